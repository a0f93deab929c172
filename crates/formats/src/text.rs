//! Decoding of text files (UTF-8 or GBK) and display names of divisions.

use jiceng_core::Text;

fn encoding_error() -> Text {
    Text::new(
        "文件编码无法识别，请使用 UTF-8 或 GBK 编码",
        "Unrecognised file encoding: use UTF-8 or GBK",
    )
}

/// Decodes a text file: UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's
/// "Unicode text"), or else GBK/GB18030 as saved by Chinese Excel and WPS.
pub fn decode_bytes(bytes: &[u8]) -> Result<String, Text> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            return if had_errors {
                Err(encoding_error())
            } else {
                Ok(text.into_owned())
            };
        }
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors {
        Err(encoding_error())
    } else {
        Ok(text.into_owned())
    }
}

/// Official suffixes and what a display name keeps of them, longest first.
const SUFFIXES: [(&str, &str); 6] = [
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村民委员会", "村"),
    ("居民委员会", ""),
    ("村委会", "村"),
    ("居委会", ""),
];

/// The short name shown in the interface: "和平社区居委会" → "和平社区",
/// "新地村委会" → "新地村". Other names are returned trimmed and otherwise unchanged.
pub fn display_name(name: &str) -> String {
    let name = name.trim();
    for (suffix, keep) in SUFFIXES {
        if let Some(stem) = name.strip_suffix(suffix)
            && !stem.is_empty()
        {
            let mut s = String::with_capacity(stem.len() + keep.len());
            s.push_str(stem);
            s.push_str(keep);
            return s;
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_utf8_with_and_without_bom() {
        assert_eq!(decode_bytes("和平".as_bytes()).unwrap(), "和平");
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice("和平".as_bytes());
        assert_eq!(decode_bytes(&b).unwrap(), "和平");
    }

    #[test]
    fn decodes_gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode("level,code,name\n社区,1,海勃湾区");
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(
            decode_bytes(&bytes).unwrap(),
            "level,code,name\n社区,1,海勃湾区"
        );
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "a\t和".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_bytes(&b).unwrap(), "a\t和");
    }

    #[test]
    fn refuses_undecodable_bytes() {
        let err = decode_bytes(&[0x81, 0x20, 0xFF, 0xFF]).unwrap_err();
        assert!(err.zh.contains("编码"));
        assert!(err.en.contains("encoding"));
    }

    #[test]
    fn display_names_drop_official_suffixes() {
        assert_eq!(display_name("和平社区居委会"), "和平社区");
        assert_eq!(display_name("新地村委会"), "新地村");
        assert_eq!(display_name("团结新村委会"), "团结新村");
        assert_eq!(display_name("向阳居委会"), "向阳");
        assert_eq!(display_name("和平社区居民委员会"), "和平社区");
        assert_eq!(display_name("凤凰岭街道"), "凤凰岭街道");
        assert_eq!(display_name("居委会"), "居委会");
        assert_eq!(display_name(" 海勃湾区 "), "海勃湾区");
    }

    proptest! {
        #[test]
        fn display_name_never_lengthens(name in "[和平新地村社区居委会员民a-z ]{0,16}") {
            prop_assert!(display_name(&name).chars().count() <= name.chars().count());
        }
    }
}
