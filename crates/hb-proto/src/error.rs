//! Error types. Byte offsets (`at`) always count from the start of the
//! outermost packet, also for faults found inside nested messages, so a log
//! line can point into a capture.

use thiserror::Error;

/// Why a packet could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Longer than a 3.0.6 receiver can read (`MAXMSG - 1` bytes).
    #[error("packet is {len} bytes, more than the {max} a heartbeat receiver reads")]
    TooBig { len: usize, max: usize },
    /// Starts with neither `>>>\n` (classic) nor `###\n` (netstring).
    #[error("not a heartbeat message: starts with neither \">>>\\n\" nor \"###\\n\"")]
    UnknownFormat,
    /// The bytes end before the structure does.
    #[error("truncated at byte {at}")]
    Truncated { at: usize },
    /// A netstring length is missing, not decimal, or absurdly large.
    #[error("bad netstring length at byte {at}")]
    BadLength { at: usize },
    /// A netstring is not closed by `,` where its length says it ends.
    #[error("netstring at byte {at} is not terminated by ','")]
    MissingComma { at: usize },
    /// Field type prefix is not `(d)` with a known digit, or `(0)` in classic.
    #[error("bad field type prefix at byte {at}")]
    BadFieldType { at: usize },
    /// A field has no `=` between its name and its value.
    #[error("field at byte {at} has no '=' after its name")]
    MissingEquals { at: usize },
    /// Empty name, NUL in name, or a name the legacy refuses (`>>>\n…`).
    #[error("invalid field name at byte {at}")]
    BadName { at: usize },
    /// A binary/compressed value in classic form is not padded base64.
    #[error("bad base64 value at byte {at}")]
    BadBase64 { at: usize },
    /// A list value is not `len:elem,` repeated with non-empty elements.
    #[error("bad string list at byte {at}")]
    BadList { at: usize },
    /// A list field repeats the name of an earlier non-list field.
    #[error("list field at byte {at} repeats the name of a field of another type")]
    ListTypeClash { at: usize },
    /// Nested messages deeper than `MAXDEPTH`.
    #[error("nested message at byte {at} is deeper than MAXDEPTH ({max})", max = crate::MAXDEPTH)]
    TooDeep { at: usize },
    /// A struct value does not hold a complete nested message.
    #[error("nested message at byte {at} does not start with its start marker")]
    BadStruct { at: usize },
    /// A netstring packet without the `LEN:N HEX,` authentication trailer.
    #[error("netstring packet has no authentication trailer after byte {at}")]
    MissingTrailer { at: usize },
}

/// Why a message could not be serialised the way a 3.0.6 peer would read it
/// back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Empty, contains `=`, NUL or newline, or is read back differently.
    #[error("field name {name:?} cannot be encoded")]
    BadName { name: String },
    /// A string holds a byte the legacy would turn into a newline (0x13),
    /// or (classic) a NUL.
    #[error("string field {name:?} contains a byte the format cannot carry")]
    BadString { name: String },
    /// Empty list, empty element, or NUL inside an element.
    #[error("list field {name:?} cannot be encoded (empty, or empty/NUL element)")]
    BadList { name: String },
    /// A nested message contains the depth-specific newline symbol, which
    /// the classic format cannot escape.
    #[error("nested message in field {name:?} contains its own newline symbol")]
    BadNested { name: String },
    /// Nested messages deeper than `MAXDEPTH`.
    #[error("message nesting deeper than MAXDEPTH ({})", crate::MAXDEPTH)]
    TooDeep,
    /// The datagram would be at least `MAXMSG` bytes; the legacy refuses it.
    #[error("encoded message is {len} bytes, a heartbeat node sends at most {max}")]
    TooBig { len: usize, max: usize },
}

/// Why a message failed authentication. The legacy drops such packets
/// silently; the variant says why for our logs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A netstring packet without trailer (never produced by `decode`).
    #[error("no authentication trailer")]
    MissingTrailer,
    /// A classic message without a body `auth` field.
    #[error("no auth field in message")]
    MissingAuthField,
    /// The auth string is not `<decimal index> <token>`.
    #[error("malformed auth string")]
    Malformed,
    /// The index named in the packet is out of range or not configured.
    #[error("authentication index {index} is not configured")]
    UnknownIndex { index: i64 },
    /// The digest does not match.
    #[error("bad digest for index {index}")]
    BadDigest { index: u8 },
    /// The body could not be re-serialised for the classic digest.
    #[error("message cannot be serialised for its digest: {0}")]
    Encode(#[from] EncodeError),
}

/// A typed field is absent or does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReprError {
    #[error("missing field {0:?}")]
    Missing(&'static str),
    #[error("field {field:?} has an invalid value {value:?}")]
    Invalid { field: &'static str, value: String },
    #[error("message type is {found:?}, expected {expected:?}")]
    WrongType {
        expected: &'static str,
        found: String,
    },
}

/// `Message::set` would change the type of an existing field, which the
/// legacy `ha_msg_mod` refuses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("field {name:?} exists with a different type")]
pub struct TypeMismatch {
    pub name: String,
}
