//! The abstract message: an ordered list of named, typed fields.
//!
//! Order is part of the data: the classic body digest is computed over the
//! fields in order, and a byte-exact re-encoding needs it. Lookups return
//! the first field of a name, as the legacy `cl_get_value` does.

use std::collections::HashMap;

use crate::error::{DecodeError, TypeMismatch};

/// Wire type digit of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    String = 0,
    Binary = 1,
    Struct = 2,
    List = 3,
    /// Kept opaque: only API clients (CRM) produce it, and decompressing
    /// needs a zlib/bz2 plugin choice this crate does not make.
    Compressed = 4,
}

impl FieldType {
    /// The ASCII digit written inside `(…)`.
    pub fn digit(self) -> u8 {
        b'0' + self as u8
    }

    /// Types a peer can put on the wire. 5 (FT_UNCOMPRESS) is an in-memory
    /// form that is always sent as 4, and the legacy has no decoder for 6–9.
    pub fn from_digit(d: u8) -> Option<Self> {
        match d {
            b'0' => Some(Self::String),
            b'1' => Some(Self::Binary),
            b'2' => Some(Self::Struct),
            b'3' => Some(Self::List),
            b'4' => Some(Self::Compressed),
            _ => None,
        }
    }
}

/// A field value. Strings are bytes: netstring carries them raw, and
/// nothing in the protocol promises UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    String(Vec<u8>),
    Binary(Vec<u8>),
    Struct(Message),
    List(Vec<Vec<u8>>),
    Compressed(Vec<u8>),
}

impl Value {
    pub fn field_type(&self) -> FieldType {
        match self {
            Value::String(_) => FieldType::String,
            Value::Binary(_) => FieldType::Binary,
            Value::Struct(_) => FieldType::Struct,
            Value::List(_) => FieldType::List,
            Value::Compressed(_) => FieldType::Compressed,
        }
    }

    pub fn string(s: impl Into<Vec<u8>>) -> Self {
        Value::String(s.into())
    }
}

/// One field. The name is bytes for the same reason as string values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: Vec<u8>,
    pub value: Value,
}

/// An ordered heartbeat message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    fields: Vec<Field>,
}

impl Message {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Field> {
        self.fields.iter()
    }

    fn position(&self, name: &[u8]) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// First field with this name.
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&Value> {
        let name = name.as_ref();
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| &f.value)
    }

    /// Bytes of the first field with this name, if it is a string.
    pub fn get_bytes(&self, name: impl AsRef<[u8]>) -> Option<&[u8]> {
        match self.get(name) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The first field with this name, if it is a UTF-8 string.
    pub fn get_str(&self, name: impl AsRef<[u8]>) -> Option<&str> {
        self.get_bytes(name)
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Bytes of the first field with this name, if it is binary.
    pub fn get_binary(&self, name: impl AsRef<[u8]>) -> Option<&[u8]> {
        match self.get(name) {
            Some(Value::Binary(b)) => Some(b),
            _ => None,
        }
    }

    /// The first field with this name as a hex number (`seq`, `hg`, `ts`,
    /// `dt`, `ackseq`, NAK `firstseq`). `None` if absent or not hex.
    pub fn get_hex(&self, name: impl AsRef<[u8]>) -> Option<u64> {
        self.get_bytes(name).and_then(crate::numbers::parse_hex)
    }

    /// The first field with this name as a decimal number (`protocol`,
    /// `ttl`, `NS_rexmit` `firstseq`/`lastseq`).
    pub fn get_dec(&self, name: impl AsRef<[u8]>) -> Option<u64> {
        self.get_bytes(name).and_then(crate::numbers::parse_dec)
    }

    /// `set` with `%lx` formatting.
    pub fn set_hex(&mut self, name: impl AsRef<[u8]>, n: u64) -> Result<(), TypeMismatch> {
        self.set_str(name, crate::numbers::format_hex(n))
    }

    /// `set` with `%d` formatting.
    pub fn set_dec(&mut self, name: impl AsRef<[u8]>, n: u64) -> Result<(), TypeMismatch> {
        self.set_str(name, crate::numbers::format_dec(n))
    }

    /// Append a field even if the name exists (`ha_msg_add`).
    pub fn push(&mut self, name: impl Into<Vec<u8>>, value: Value) {
        self.fields.push(Field {
            name: name.into(),
            value,
        });
    }

    /// Append a string field.
    pub fn push_str(&mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.push(name, Value::String(value.into()));
    }

    /// Replace the value of the first field with this name in place, or
    /// append it (`ha_msg_mod`). Like the legacy, refuses to change the
    /// type of an existing field. In-place replacement keeps the field's
    /// position, which the body digest and byte-exact resends depend on.
    pub fn set(&mut self, name: impl AsRef<[u8]>, value: Value) -> Result<(), TypeMismatch> {
        let name = name.as_ref();
        match self.position(name) {
            Some(i) => {
                let field = &mut self.fields[i];
                if field.value.field_type() != value.field_type() {
                    return Err(TypeMismatch {
                        name: String::from_utf8_lossy(name).into_owned(),
                    });
                }
                field.value = value;
            }
            None => self.push(name.to_vec(), value),
        }
        Ok(())
    }

    /// `set` for a string value.
    pub fn set_str(
        &mut self,
        name: impl AsRef<[u8]>,
        value: impl Into<Vec<u8>>,
    ) -> Result<(), TypeMismatch> {
        self.set(name, Value::String(value.into()))
    }

    /// Remove and return the first field with this name.
    pub fn remove(&mut self, name: impl AsRef<[u8]>) -> Option<Value> {
        let i = self.position(name.as_ref())?;
        Some(self.fields.remove(i).value)
    }
}

impl<'a> IntoIterator for &'a Message {
    type Item = &'a Field;
    type IntoIter = std::slice::Iter<'a, Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

/// A message being decoded. Adds fields as the legacy parsers do: a list
/// whose name already exists is merged into the earlier list
/// (`add_list_field`) and clashes with a non-list field of that name;
/// everything else appends. The legacy finds the earlier field by a linear
/// scan; an index keeps a packet of thousands of list fields (decoded
/// before it is authenticated) from costing quadratic time.
#[derive(Default)]
pub(crate) struct Decoding {
    msg: Message,
    /// Position of the first field of each name; built at the first list
    /// field, so packets without lists never pay for it.
    first: Option<HashMap<Vec<u8>, usize>>,
}

impl Decoding {
    pub(crate) fn push(
        &mut self,
        name: Vec<u8>,
        value: Value,
        at: usize,
    ) -> Result<(), DecodeError> {
        if self.first.is_none() && matches!(value, Value::List(_)) {
            let mut index = HashMap::new();
            for (i, f) in self.msg.fields.iter().enumerate() {
                index.entry(f.name.clone()).or_insert(i);
            }
            self.first = Some(index);
        }
        if let Some(index) = &mut self.first {
            match index.get(&name) {
                Some(&i) => {
                    if let Value::List(items) = value {
                        return match self.msg.fields.get_mut(i).map(|f| &mut f.value) {
                            Some(Value::List(existing)) => {
                                existing.extend(items);
                                Ok(())
                            }
                            _ => Err(DecodeError::ListTypeClash { at }),
                        };
                    }
                }
                None => {
                    index.insert(name.clone(), self.msg.fields.len());
                }
            }
        }
        self.msg.push(name, value);
        Ok(())
    }

    pub(crate) fn finish(self) -> Message {
        self.msg
    }
}
