//! Compact JSON text from a [`Value`].

use super::value::Value;
use std::io::{self, Write};

/// Writes `value` as compact JSON.
pub(super) fn write_value(out: &mut impl Write, value: &Value) -> io::Result<()> {
    match value {
        Value::Null => out.write_all(b"null"),
        Value::Bool(true) => out.write_all(b"true"),
        Value::Bool(false) => out.write_all(b"false"),
        Value::Number(n) => write!(out, "{n}"),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_value(out, item)?;
            }
            out.write_all(b"]")
        }
        Value::Object(map) => {
            out.write_all(b"{")?;
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_string(out, key)?;
                out.write_all(b":")?;
                write_value(out, item)?;
            }
            out.write_all(b"}")
        }
    }
}

/// A JSON string literal: `"` and `\` escaped, control characters as
/// `\n`-style or `\u00XX` escapes, everything else as UTF-8.
pub(super) fn write_string(out: &mut impl Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                out.write_all(&bytes[start..i])?;
                write!(out, "\\u{byte:04x}")?;
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(escape)?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

/// Writes any `serde::Serialize` straight to compact JSON text, fields in
/// declaration order (as `serde_json` does), without building a [`Value`].
pub(super) struct TextSerializer<'a, W: Write> {
    pub(super) out: &'a mut W,
}

type Result<T> = std::result::Result<T, crate::errors::JsonError>;

fn io(e: io::Error) -> crate::errors::JsonError {
    crate::errors::JsonError::at(0, e)
}

impl<'a, W: Write> TextSerializer<'a, W> {
    fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(io)
    }
}

/// A `[...]` or `{...}` in the making: whether a comma is due, and, for a
/// variant, the `}` that closes the `{"Name":` wrapper.
pub(super) struct Compound<'a, W: Write> {
    out: &'a mut W,
    first: bool,
    close: &'static [u8],
}

impl<W: Write> Compound<'_, W> {
    fn comma(&mut self) -> Result<()> {
        if self.first {
            self.first = false;
            Ok(())
        } else {
            self.out.write_all(b",").map_err(io)
        }
    }

    fn element<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.comma()?;
        value.serialize(TextSerializer {
            out: &mut *self.out,
        })
    }

    fn field<T: serde::Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<()> {
        self.comma()?;
        write_string(self.out, key).map_err(io)?;
        self.out.write_all(b":").map_err(io)?;
        value.serialize(TextSerializer {
            out: &mut *self.out,
        })
    }

    fn finish(self) -> Result<()> {
        self.out.write_all(self.close).map_err(io)
    }
}

impl<'a, W: Write> serde::Serializer for TextSerializer<'a, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    type SerializeSeq = Compound<'a, W>;
    type SerializeTuple = Compound<'a, W>;
    type SerializeTupleStruct = Compound<'a, W>;
    type SerializeTupleVariant = Compound<'a, W>;
    type SerializeMap = Compound<'a, W>;
    type SerializeStruct = Compound<'a, W>;
    type SerializeStructVariant = Compound<'a, W>;

    fn serialize_bool(mut self, v: bool) -> Result<()> {
        self.raw(if v { b"true" } else { b"false" })
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        write!(self.out, "{v}").map_err(io)
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        write!(self.out, "{v}").map_err(io)
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        write_value(self.out, &Value::from(v)).map_err(io)
    }
    fn serialize_char(self, v: char) -> Result<()> {
        write_string(self.out, v.encode_utf8(&mut [0; 4])).map_err(io)
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        write_string(self.out, v).map_err(io)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        use serde::ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for byte in v {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }
    fn serialize_none(mut self) -> Result<()> {
        self.raw(b"null")
    }
    fn serialize_some<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(mut self) -> Result<()> {
        self.raw(b"null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let mut object = open(self.out, b"{", b"}")?;
        object.field(variant, value)?;
        object.finish()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, W>> {
        open(self.out, b"[", b"]")
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, W>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, W>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, W>> {
        self.out.write_all(b"{").map_err(io)?;
        write_string(self.out, variant).map_err(io)?;
        open(self.out, b":[", b"]}")
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, W>> {
        open(self.out, b"{", b"}")
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a, W>> {
        open(self.out, b"{", b"}")
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, W>> {
        self.out.write_all(b"{").map_err(io)?;
        write_string(self.out, variant).map_err(io)?;
        open(self.out, b":{", b"}}")
    }
}

fn open<'a, W: Write>(
    out: &'a mut W,
    start: &[u8],
    close: &'static [u8],
) -> Result<Compound<'a, W>> {
    out.write_all(start).map_err(io)?;
    Ok(Compound {
        out,
        first: true,
        close,
    })
}

impl<W: Write> serde::ser::SerializeSeq for Compound<'_, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    fn serialize_element<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> serde::ser::SerializeTuple for Compound<'_, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    fn serialize_element<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> serde::ser::SerializeTupleStruct for Compound<'_, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    fn serialize_field<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> serde::ser::SerializeTupleVariant for Compound<'_, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    fn serialize_field<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> serde::ser::SerializeMap for Compound<'_, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    fn serialize_key<T: serde::Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.comma()?;
        let key = super::ser::map_key(key)?;
        write_string(self.out, &key).map_err(io)?;
        self.out.write_all(b":").map_err(io)
    }
    fn serialize_value<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(TextSerializer {
            out: &mut *self.out,
        })
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> serde::ser::SerializeStruct for Compound<'_, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    fn serialize_field<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: Write> serde::ser::SerializeStructVariant for Compound<'_, W> {
    type Ok = ();
    type Error = crate::errors::JsonError;
    fn serialize_field<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}
