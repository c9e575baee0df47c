//! Netlink attributes (`struct nlattr` TLVs): writing them into a message
//! and walking them in a received one, with every length checked.

/// `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` share the type field.
const NLA_TYPE_MASK: u16 = 0x3fff;
const NLA_HDRLEN: usize = 4;

pub(crate) fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Appends attributes to a message buffer. Nesting is a start/end pair so a
/// message is built in one pass without intermediate allocations.
pub struct AttrWriter<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> AttrWriter<'a> {
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        AttrWriter { buf }
    }

    pub fn bytes(&mut self, ty: u16, payload: &[u8]) {
        let len = NLA_HDRLEN + payload.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(payload);
        self.buf.resize(align4(self.buf.len()), 0);
    }

    pub fn u8(&mut self, ty: u16, v: u8) {
        self.bytes(ty, &[v]);
    }

    pub fn u16(&mut self, ty: u16, v: u16) {
        self.bytes(ty, &v.to_ne_bytes());
    }

    /// A 16-bit value in network byte order (ports).
    pub fn be16(&mut self, ty: u16, v: u16) {
        self.bytes(ty, &v.to_be_bytes());
    }

    pub fn u32(&mut self, ty: u16, v: u32) {
        self.bytes(ty, &v.to_ne_bytes());
    }

    /// A NUL-terminated string, as the kernel's NLA_NUL_STRING wants.
    pub fn string(&mut self, ty: u16, s: &str) {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        self.bytes(ty, &v);
    }

    /// Opens a nested attribute; pass the result to `end_nested`.
    pub fn begin_nested(&mut self, ty: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf.extend_from_slice(&(ty | 0x8000).to_ne_bytes());
        start
    }

    pub fn end_nested(&mut self, start: usize) {
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    }
}

/// One received attribute: its type (flags stripped) and payload.
#[derive(Debug, Clone, Copy)]
pub struct Attr<'a> {
    pub ty: u16,
    pub payload: &'a [u8],
}

/// Why a received attribute could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttrError {
    #[error("attribute header runs past the end of its container")]
    Truncated,
    #[error("attribute {ty} is {len} bytes, expected {want}")]
    Size { ty: u16, len: usize, want: usize },
}

/// Iterates the attributes in `buf`; stops with an error on the first one
/// whose length does not fit.
pub fn attrs(buf: &[u8]) -> AttrIter<'_> {
    AttrIter { buf }
}

pub struct AttrIter<'a> {
    buf: &'a [u8],
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<Attr<'a>, AttrError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.len() < NLA_HDRLEN {
            return None;
        }
        let len = u16::from_ne_bytes([self.buf[0], self.buf[1]]) as usize;
        let ty = u16::from_ne_bytes([self.buf[2], self.buf[3]]) & NLA_TYPE_MASK;
        if len < NLA_HDRLEN || len > self.buf.len() {
            self.buf = &[];
            return Some(Err(AttrError::Truncated));
        }
        let payload = &self.buf[NLA_HDRLEN..len];
        let next = align4(len).min(self.buf.len());
        self.buf = &self.buf[next..];
        Some(Ok(Attr { ty, payload }))
    }
}

impl<'a> Attr<'a> {
    fn exact<const N: usize>(&self) -> Result<[u8; N], AttrError> {
        self.payload.try_into().map_err(|_| AttrError::Size {
            ty: self.ty,
            len: self.payload.len(),
            want: N,
        })
    }

    pub fn u8(&self) -> Result<u8, AttrError> {
        Ok(self.exact::<1>()?[0])
    }

    pub fn u16(&self) -> Result<u16, AttrError> {
        Ok(u16::from_ne_bytes(self.exact()?))
    }

    pub fn be16(&self) -> Result<u16, AttrError> {
        Ok(u16::from_be_bytes(self.exact()?))
    }

    pub fn u32(&self) -> Result<u32, AttrError> {
        Ok(u32::from_ne_bytes(self.exact()?))
    }

    pub fn u64(&self) -> Result<u64, AttrError> {
        Ok(u64::from_ne_bytes(self.exact()?))
    }

    /// A string attribute up to its first NUL (the kernel pads names).
    pub fn string(&self) -> String {
        let end = self
            .payload
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.payload.len());
        String::from_utf8_lossy(&self.payload[..end]).into_owned()
    }

    pub fn nested(&self) -> AttrIter<'a> {
        attrs(self.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_round_trip() {
        let mut buf = Vec::new();
        let mut w = AttrWriter::new(&mut buf);
        w.u16(1, 10);
        let n = w.begin_nested(2);
        w.string(3, "wlc");
        w.be16(4, 80);
        w.end_nested(n);
        w.u8(5, 7);
        assert_eq!(buf.len() % 4, 0);

        let top: Vec<_> = attrs(&buf).map(Result::unwrap).collect();
        assert_eq!(top.len(), 3);
        assert_eq!(top[0].u16().unwrap(), 10);
        let inner: Vec<_> = top[1].nested().map(Result::unwrap).collect();
        assert_eq!(inner[0].string(), "wlc");
        assert_eq!(inner[1].be16().unwrap(), 80);
        assert_eq!(top[2].u8().unwrap(), 7);
    }

    #[test]
    fn truncated_and_wrong_sizes_are_errors() {
        let buf = [8u8, 0, 1, 0, 1, 2];
        assert_eq!(
            attrs(&buf).next().unwrap().unwrap_err(),
            AttrError::Truncated
        );
        let buf = [6u8, 0, 1, 0, 1, 2, 0, 0];
        let a = attrs(&buf).next().unwrap().unwrap();
        assert!(a.u32().is_err());
        assert_eq!(a.u16().unwrap(), u16::from_ne_bytes([1, 2]));
        let zero_len = [0u8, 0, 1, 0];
        assert!(attrs(&zero_len).next().unwrap().is_err());
    }
}
