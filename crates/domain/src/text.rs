//! Text that reaches a terminal. Applicant-supplied strings are untrusted: escape
//! sequences, control characters, bidirectional overrides and invisible characters are
//! turned into visible placeholders here, in one place, for the console and the CLI alike.
//! Widths count CJK characters as two columns.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Why a character may not reach the terminal as itself.
fn placeholder(c: char) -> Option<String> {
    let code = c as u32;
    match code {
        // C0 controls: the Unicode "control pictures" (␀ ␛ ␊ …) are visible and one column.
        0x00..=0x1F => Some(
            char::from_u32(0x2400 + code)
                .expect("control picture")
                .to_string(),
        ),
        0x7F => Some("\u{2421}".to_string()),
        // C1 controls (0x9B is a one-byte CSI on some terminals).
        0x80..=0x9F => Some(format!("<U+{code:04X}>")),
        // Bidirectional marks, embeddings, overrides and isolates.
        0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069 => {
            Some(format!("<U+{code:04X}>"))
        }
        // Zero-width and other invisible formatting characters.
        0x00AD
        | 0x034F
        | 0x115F
        | 0x1160
        | 0x17B4
        | 0x17B5
        | 0x180B..=0x180F
        | 0x200B..=0x200D
        | 0x2028
        | 0x2029
        | 0x2060..=0x2064
        | 0x206A..=0x206F
        | 0x3164
        | 0xFE00..=0xFE0F
        | 0xFEFF
        | 0xFFA0
        | 0xFFF9..=0xFFFB
        | 0x1D173..=0x1D17A
        | 0xE0000..=0xE007F
        | 0xE0100..=0xE01EF => Some(format!("<U+{code:04X}>")),
        // Private use and unassigned-looking planes render unpredictably.
        0xE000..=0xF8FF | 0xF0000..=0x10FFFF => Some(format!("<U+{code:04X}>")),
        _ => None,
    }
}

/// Whether `c` may not reach a terminal as itself (a control, a bidirectional or an
/// invisible character). `--json` escapes these as `\uXXXX` for the same reason.
pub fn needs_placeholder(c: char) -> bool {
    placeholder(c).is_some()
}

/// `text` with everything a terminal could interpret, or that would be invisible,
/// replaced by a visible placeholder. Plain text comes back borrowed.
pub fn display_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| placeholder(c).is_none()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match placeholder(c) {
            Some(p) => out.push_str(&p),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Bytes that may not be UTF-8 (a file, a pipe): invalid sequences become U+FFFD first.
pub fn display_safe_bytes(bytes: &[u8]) -> String {
    display_safe(&String::from_utf8_lossy(bytes)).into_owned()
}

/// Columns `text` takes in a terminal (CJK characters take two).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// The display-safe `text`, cut to at most `max` columns with an ellipsis when it is longer.
pub fn fit(text: &str, max: usize) -> String {
    let safe = display_safe(text);
    if width(&safe) <= max {
        return safe.into_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in safe.chars() {
        let w = char_width(c);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The display-safe `text` cut or padded with spaces to exactly `columns` columns.
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = fit(text, columns);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(w)));
    out
}

/// Like [`pad`], aligned to the right.
pub fn pad_left(text: &str, columns: usize) -> String {
    let cut = fit(text, columns);
    let w = width(&cut);
    let mut out: String = std::iter::repeat_n(' ', columns.saturating_sub(w)).collect();
    out.push_str(&cut);
    out
}

/// A secret as it is shown until someone deliberately reveals it.
pub fn mask(secret: &str) -> String {
    if secret.is_empty() {
        String::new()
    } else {
        "••••••".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        assert!(matches!(
            display_safe("杭州某某科技有限公司 Ltd."),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_become_visible() {
        let safe = display_safe("a\x1b[31mred\x07\u{9b}2J\u{202e}gnp.exe\u{200b}");
        assert!(!safe.chars().any(|c| c.is_control()), "{safe:?}");
        assert!(
            safe.contains('␛')
                && safe.contains("<U+009B>")
                && safe.contains("<U+202E>")
                && safe.contains("<U+200B>")
        );
    }

    #[test]
    fn every_c0_and_c1_control_and_del_becomes_a_visible_placeholder() {
        for code in (0x00..=0x1F).chain(0x7F..=0x9F) {
            let c = char::from_u32(code).expect("a char");
            let text = format!("a{c}b");
            let safe = display_safe(&text);
            assert!(
                !safe.chars().any(|s| s.is_control()),
                "U+{code:04X} reached the terminal: {safe:?}"
            );
            assert!(safe.starts_with('a') && safe.ends_with('b'), "{safe:?}");
            assert!(width(&safe) > 2, "U+{code:04X} must be visible: {safe:?}");
        }
        assert_eq!(display_safe("\u{9f}"), "<U+009F>");
        assert_eq!(display_safe("\u{80}"), "<U+0080>");
        assert_eq!(display_safe("\u{1b}"), "␛");
        assert_eq!(display_safe("\u{7f}"), "\u{2421}");
    }

    #[test]
    fn bidi_invisible_and_private_use_characters_are_named() {
        // Written out rather than taken from `placeholder`, so the test does not share
        // a mistake with it: the first and last of every range, and each single one.
        let named = [
            0x061C, 0x200E, 0x200F, 0x202A, 0x202E, 0x2066, 0x2069, // bidi
            0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180F, 0x200B, 0x200D, 0x2028,
            0x2029, 0x2060, 0x2064, 0x206A, 0x206F, 0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFFA0, 0xFFF9,
            0xFFFB, 0x1D173, 0x1D17A, 0xE0000, 0xE007F, 0xE0100, 0xE01EF,
            // private use, which terminals and fonts draw as they please
            0xE000, 0xF8FF, 0xF0000, 0x10FFFD,
        ];
        for code in named {
            let c = char::from_u32(code).expect("a char");
            assert!(needs_placeholder(c), "U+{code:04X}");
            assert_eq!(display_safe(&c.to_string()), format!("<U+{code:04X}>"));
        }
        // Their neighbours outside the ranges are text.
        for code in [0x2065, 0x2070, 0xD000, 0xF900, 0xEFFFF, 0x1D172, 0x1D17B] {
            let c = char::from_u32(code).expect("a char");
            assert!(!needs_placeholder(c), "U+{code:04X}");
        }
    }

    #[test]
    fn fit_pad_and_mask_at_their_edges() {
        assert_eq!(fit("abc", 3), "abc", "exactly the width: not cut");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("abcd", 1), "…");
        assert_eq!(fit("abcd", 0), "");
        // A wide character that would straddle the ellipsis is left out.
        assert_eq!(fit("a支付", 4), "a支…");
        assert_eq!(fit("a支付", 3), "a…");
        assert_eq!(fit("\u{1b}[2J", 20), "␛[2J", "made safe before measuring");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad_left("ab", 4), "  ab");
        assert_eq!(pad_left("支付宝", 7), " 支付宝");
        assert_eq!(pad_left("abcdef", 4), "abc…");
        assert_eq!(mask("s3cret"), "••••••");
        assert_eq!(mask(""), "");
        assert_eq!(display_safe_bytes(b"ok\xff\x1b"), "ok\u{fffd}␛");
        assert_eq!(width(""), 0);
    }

    #[test]
    fn fit_counts_cjk_as_two_columns() {
        assert_eq!(width("支付宝"), 6);
        assert_eq!(fit("支付宝接口", 7), "支付宝…");
        assert_eq!(width(&pad("支付宝", 9)), 9);
        assert_eq!(width(&pad("支付宝接口合作", 9)), 9);
    }
}

/// Whether nothing of `text` would show: only whitespace and invisible or bidirectional
/// formatting characters (a name of one U+200B is an empty name). Controls are not blank:
/// they are shown, as placeholders.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        let code = c as u32;
        matches!(code, 0x09 | 0x0A | 0x0D | 0x20 | 0x2800)
            || (c.is_whitespace() && !c.is_control())
            || (needs_placeholder(c)
                && !matches!(code, 0x00..=0x1F | 0x7F..=0x9F | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF))
    })
}

#[cfg(test)]
mod blank_tests {
    use super::is_blank;

    #[test]
    fn only_invisible_characters_are_blank() {
        for blank in [
            "",
            "  ",
            "\u{200B}",
            "\u{3000}\u{FEFF}",
            "\u{202E}\u{200D}",
            "\u{3164}",
            "\t\r\n",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        for shown in ["a", "\u{200B}王", "\u{E000}", " · ", "\u{1b}\u{1b}"] {
            assert!(!is_blank(shown), "{shown:?}");
        }
    }
}
