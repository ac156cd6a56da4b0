//! Text that reaches a terminal. Applicant-supplied strings are untrusted: escape
//! sequences, control characters, bidirectional overrides and invisible characters are
//! turned into visible placeholders here, in one place, for the console and the CLI alike.
//!
//! Widths are counted the way every terminal counts them, or not at all: the text is cut
//! into grapheme clusters (what a reader sees as one character), and a cluster is drawn as
//! itself only when terminals agree on how many columns it takes. That is
//!
//! - one character of a definite width (one column, or two for CJK and emoji), or
//! - such a character with up to [`MAX_MARKS`] combining marks on it (`e` + U+0301), or
//! - a complete modern Hangul syllable written as conjoining jamo, which is drawn as the
//!   precomposed syllable (U+1100 U+1161 → 가).
//!
//! Any other cluster is one terminals draw differently (tmux adds up the widths of its
//! characters, terminals that shape clusters count the cluster once): it is spelled out
//! character by character, each either itself (when it stands alone as above) or a named
//! placeholder `<U+XXXX>`, except that an emoji's skin-tone modifier is dropped (👍🏻 → 👍):
//! a leading combining mark with no base, lone or incomplete conjoining jamo, emoji with
//! modifiers, ZWJ sequences, variation selectors, regional-indicator flags, keycaps,
//! spacing marks (Indic vowel signs, Thai SARA AM), prepended concatenation marks.
//!
//! East Asian Ambiguous characters (`·`, `—`, `…`, `“”`, `•`) stay: they are common in
//! Chinese text and in shenhe's own chrome, and are counted one column, as tmux, xterm and
//! most terminals do in a UTF-8 locale (a terminal set to draw them wide misaligns the
//! console's own words as much as the applicant's). Output of [`display_safe`] has, for
//! every cluster, the same width as a cluster and as the sum of its characters' widths.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

/// Combining marks kept on one base; a cluster with more is spelled out. tmux keeps at
/// most 21 bytes in a cell: a base and four three-byte marks fit.
pub const MAX_MARKS: usize = 4;

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

/// Characters kept without looking further: each is one column (ASCII, Latin, general
/// punctuation) or two (CJK, kana, Hangul syllables, fullwidth forms) in every terminal,
/// and a grapheme cluster of its own next to any other character of this list. Most
/// text is made of nothing else, and takes the fast path. (A test checks every one of
/// them against [`stands_alone`].)
fn plain(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E
        | 0xA0..=0xAC
        | 0xAE..=0x24F
        | 0x2010..=0x2027
        | 0x2030..=0x205E
        | 0x3000..=0x3029
        | 0x3030..=0x303F
        | 0x3041..=0x3096
        | 0x309B..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7A3
        | 0xFF01..=0xFF60
        | 0xFFE0..=0xFFE6)
}

/// Whether `a` followed by `b` is one grapheme cluster.
fn one_cluster(a: char, b: char) -> bool {
    let mut buf = [0u8; 8];
    let n = a.encode_utf8(&mut buf).len();
    let m = b.encode_utf8(&mut buf[n..]).len();
    let pair = std::str::from_utf8(&buf[..n + m]).expect("two chars are UTF-8");
    pair.graphemes(true).nth(1).is_none()
}

/// Extends the cluster before it: a combining or spacing mark, a joiner, a modifier.
fn joins_previous(c: char) -> bool {
    one_cluster('a', c)
}

/// Joins the character after it into its cluster (Arabic number signs and the like).
fn is_prepend(c: char) -> bool {
    one_cluster(c, 'a')
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0x1F3FB..=0x1F3FF)
}

/// Conjoining Hangul jamo (leading consonants, vowels, trailing consonants). The
/// compatibility jamo (U+3131…) are letters of their own and are not among them.
fn is_conjoining_jamo(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x11FF | 0xA960..=0xA97F | 0xD7B0..=0xD7FF)
}

/// A character every terminal draws as itself, in the columns unicode-width gives it, on
/// its own: not a placeholder, not zero-width (nor three columns wide, as unicode-width
/// has U+17D8 and terminals have not), not joining what comes before or after it,
/// not a regional indicator (one column or two, depending on the terminal) or a jamo.
fn stands_alone(c: char) -> bool {
    if plain(c) {
        return true;
    }
    matches!(char_width(c), 1 | 2)
        && placeholder(c).is_none()
        && !is_regional_indicator(c)
        && !is_conjoining_jamo(c)
        && !joins_previous(c)
        && !is_prepend(c)
}

/// A combining mark that terminals put on the cell of the character before it, adding no
/// width (zero-width, extending the cluster, not invisible formatting). The combining
/// enclosing keycap (U+20E3) is not one: after a digit it makes an emoji keycap, which
/// some terminals draw two columns wide.
fn is_mark(c: char) -> bool {
    // The combining diacritics (but CGJ, U+034F, which is invisible), without a lookup.
    if matches!(c as u32, 0x300..=0x34E | 0x350..=0x36F) {
        return true;
    }
    char_width(c) == 0 && c != '\u{20E3}' && placeholder(c).is_none() && joins_previous(c)
}

/// U+1100 U+1161 (U+11A8), or U+AC00 U+11A8: the precomposed syllable, when all of its
/// jamo are modern ones.
fn hangul_syllable(cluster: &str) -> Option<char> {
    let mut chars = cluster.chars();
    let first = chars.next()? as u32;
    let second = chars.next()? as u32;
    let third = chars.next().map(|c| c as u32);
    if chars.next().is_some() {
        return None;
    }
    let (syllable, trailing) = match first {
        0x1100..=0x1112 if (0x1161..=0x1175).contains(&second) => (
            0xAC00 + ((first - 0x1100) * 21 + (second - 0x1161)) * 28,
            third,
        ),
        0xAC00..=0xD7A3 if (first - 0xAC00).is_multiple_of(28) && third.is_none() => {
            (first, Some(second))
        }
        _ => return None,
    };
    match trailing {
        None => char::from_u32(syllable),
        Some(t @ 0x11A8..=0x11C2) => char::from_u32(syllable + (t - 0x11A7)),
        Some(_) => None,
    }
}

/// `c` as a visible placeholder of a fixed width: a control picture, or `<U+XXXX>`.
fn push_named(c: char, out: &mut String) {
    match placeholder(c) {
        Some(p) => out.push_str(&p),
        None => out.push_str(&format!("<U+{:04X}>", c as u32)),
    }
}

/// One grapheme cluster as it may be drawn (see the module's head).
fn push_cluster(cluster: &str, out: &mut String) {
    let mut chars = cluster.chars();
    let Some(first) = chars.next() else {
        return;
    };
    let rest = chars.as_str();
    if rest.is_empty() {
        if stands_alone(first) {
            out.push(first);
        } else {
            push_named(first, out);
        }
        return;
    }
    if let Some(syllable) = hangul_syllable(cluster) {
        out.push(syllable);
        return;
    }
    if stands_alone(first) && rest.chars().count() <= MAX_MARKS && rest.chars().all(is_mark) {
        out.push_str(cluster);
        return;
    }
    // Spelled out. Each character kept here stands alone and follows a placeholder or the
    // base, never a character it could join: the output clusters as it reads.
    let base = stands_alone(first);
    if base {
        out.push(first);
    } else {
        push_named(first, out);
    }
    for (i, c) in rest.chars().enumerate() {
        if i == 0 && base && is_emoji_modifier(c) {
            continue;
        }
        if stands_alone(c) {
            out.push(c);
        } else {
            push_named(c, out);
        }
    }
}

/// `text` with everything a terminal could interpret, that would be invisible, or whose
/// width terminals disagree on, replaced by a visible placeholder (see the module's head).
/// Plain text comes back borrowed.
pub fn display_safe(text: &str) -> Cow<'_, str> {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) || text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for cluster in text.graphemes(true) {
        push_cluster(cluster, &mut out);
    }
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// Bytes that may not be UTF-8 (a file, a pipe): invalid sequences become U+FFFD first.
pub fn display_safe_bytes(bytes: &[u8]) -> String {
    display_safe(&String::from_utf8_lossy(bytes)).into_owned()
}

/// Columns `text` takes in a terminal (CJK characters take two): the sum of its
/// characters' widths, which is what every terminal draws for display-safe text.
pub fn width(text: &str) -> usize {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return text.len();
    }
    text.chars().map(char_width).sum()
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

    use unicode_width::UnicodeWidthStr;

    /// Terminals agree on this cluster's width: one character of a definite width, with
    /// nothing after it but zero-width marks, none of the characters that change a
    /// cluster's width in some terminals and not in others, and the same width counted as
    /// a cluster (ratatui, terminals that shape clusters) and character by character
    /// (tmux, xterm). Written out here, not taken from the code under test.
    fn unambiguous(cluster: &str) -> bool {
        let mut chars = cluster.chars();
        let first = chars.next().expect("a cluster has a character");
        let w = UnicodeWidthChar::width(first).unwrap_or(0);
        let rest: Vec<char> = chars.collect();
        let risky = |c: char| {
            matches!(c as u32,
                0x1F1E6..=0x1F1FF      // regional indicators
                | 0x1F3FB..=0x1F3FF    // skin tones
                | 0x200D               // ZWJ
                | 0xFE00..=0xFE0F      // variation selectors
                | 0xE0100..=0xE01EF
                | 0x20E3               // keycap
                | 0x1100..=0x11FF      // conjoining jamo
                | 0xA960..=0xA97F
                | 0xD7B0..=0xD7FF
                | 0x0600..=0x0605      // prepended marks
                | 0x093E..=0x0940      // Devanagari spacing vowel signs
                | 0x0E33               // Thai SARA AM
                | 0xFF9E..=0xFF9F)     // halfwidth voiced marks
                || needs_placeholder(c)
        };
        (1..=2).contains(&w)
            && UnicodeWidthStr::width(cluster) == w
            && rest.len() <= MAX_MARKS
            && rest.iter().all(|c| UnicodeWidthChar::width(*c) == Some(0))
            && !cluster.chars().any(risky)
    }

    /// What display_safe must give: every cluster unambiguous, the width that of its
    /// characters, the same again when made safe a second time.
    fn check_safe(text: &str) -> Result<(), String> {
        let safe = display_safe(text);
        if let Some(bad) = safe.graphemes(true).find(|g| !unambiguous(g)) {
            return Err(format!("{text:?} → {safe:?}: cluster {bad:?}"));
        }
        let chars: usize = safe.chars().map(char_width).sum();
        if width(&safe) != chars || UnicodeWidthStr::width(safe.as_ref()) != chars {
            return Err(format!("{text:?} → {safe:?}: widths differ"));
        }
        let again = display_safe(&safe);
        if again != safe {
            return Err(format!("{text:?} → {safe:?} → {again:?}"));
        }
        Ok(())
    }

    #[test]
    fn clusters_terminals_draw_differently_become_unambiguous() {
        // (applicant text, what reaches the terminal, its width)
        let cases = [
            // a combining mark with no base
            ("\u{301}abc", "<U+0301>abc", 11),
            ("\u{301}\u{302}", "<U+0301><U+0302>", 16),
            ("\n\u{301}", "␊<U+0301>", 9),
            // lone and incomplete conjoining jamo; complete modern syllables are composed
            ("\u{1161}", "<U+1161>", 8),
            ("x\u{11A8}", "x<U+11A8>", 9),
            ("\u{1100}", "<U+1100>", 8),
            ("\u{1100}\u{1161}", "가", 2),
            ("\u{1100}\u{1161}\u{11A8}", "각", 2),
            ("가\u{11A8}", "각", 2),
            ("\u{1101}\u{1162}\u{11A9}", "깪", 2),
            ("\u{1112}\u{1175}\u{11C2}", "힣", 2),
            ("\u{1105}\u{1164}", "럐", 2),
            ("럐\u{11C2}", "럫", 2),
            // a syllable that has its final already, or two finals: not composed
            ("각\u{11A8}", "각<U+11A8>", 10),
            ("가\u{11A8}\u{11A8}", "가<U+11A8><U+11A8>", 18),
            ("\u{1100}\u{1176}", "<U+1100><U+1176>", 16),
            ("\u{1100}\u{1100}", "<U+1100><U+1100>", 16),
            // emoji with a skin tone: the modifier is dropped
            ("👍🏻", "👍", 2),
            ("a👍🏽b", "a👍b", 4),
            ("🏻", "<U+1F3FB>", 9),
            // ZWJ sequences, variation selectors, flags, keycaps
            ("👨\u{200D}👩\u{200D}👧", "👨<U+200D>👩<U+200D>👧", 22),
            ("👩🏽\u{200D}💻", "👩<U+200D>💻", 12),
            ("❤\u{FE0F}", "❤<U+FE0F>", 9),
            ("😀\u{FE0E}", "😀<U+FE0E>", 10),
            ("葛\u{E0100}", "葛<U+E0100>", 11),
            ("🇨🇳", "<U+1F1E8><U+1F1F3>", 18),
            ("🇨", "<U+1F1E8>", 9),
            ("1\u{FE0F}\u{20E3}", "1<U+FE0F><U+20E3>", 17),
            ("#\u{20E3}", "#<U+20E3>", 9),
            // spacing marks, conjuncts, prepended marks, halfwidth voiced marks
            ("हि", "ह<U+093F>", 9),
            ("क्ष", "क<U+094D>ष", 10),
            ("กำ", "ก<U+0E33>", 9),
            ("\u{600}12", "<U+0600>12", 10),
            ("ｶﾞ", "ｶ<U+FF9E>", 9),
            ("\r\n", "␍␊", 2),
            // more combining marks than a cell holds
            (
                "e\u{301}\u{302}\u{303}\u{304}\u{305}",
                "e<U+0301><U+0302><U+0303><U+0304><U+0305>",
                41,
            ),
        ];
        for (text, shown, columns) in cases {
            assert_eq!(display_safe(text), shown, "{text:?}");
            assert_eq!(width(shown), columns, "{shown:?}");
            check_safe(text).unwrap();
        }
    }

    #[test]
    fn clusters_terminals_agree_on_are_left_alone() {
        let kept = [
            ("e\u{301}", 1),
            ("Vie\u{323}\u{302}t", 4),
            ("e\u{301}\u{302}\u{303}\u{304}", 1),
            ("中\u{301}", 2),
            ("ภาษาไทย", 7),
            ("Ελληνικά Русский", 16),
            ("👍😀❤", 5),
            ("가각힣", 6),
            ("ㄱㅏ", 4),
            ("\u{FFFD}", 1),
            // East Asian Ambiguous characters are kept and counted narrow
            ("杭州·某某—科技…“公司”•", 22),
        ];
        for (text, columns) in kept {
            assert!(matches!(display_safe(text), Cow::Borrowed(_)), "{text:?}");
            assert_eq!(width(text), columns, "{text:?}");
            check_safe(text).unwrap();
        }
    }

    #[test]
    fn fit_never_cuts_a_mark_from_its_base() {
        assert_eq!(
            fit("e\u{301}e\u{301}e\u{301}", 3),
            "e\u{301}e\u{301}e\u{301}"
        );
        assert_eq!(fit("e\u{301}e\u{301}e\u{301}x", 3), "e\u{301}e\u{301}…");
        assert_eq!(pad("👍🏻", 4), "👍  ");
        assert_eq!(width(&pad("🇨🇳公司", 12)), 12);
    }

    /// The fast path's characters are ones the slow path would keep as they are.
    #[test]
    fn every_plain_character_stands_alone() {
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| plain(*c))
        {
            assert!(
                char_width(c) >= 1
                    && placeholder(c).is_none()
                    && !joins_previous(c)
                    && !is_prepend(c)
                    && !is_regional_indicator(c)
                    && !is_conjoining_jamo(c),
                "U+{:04X}",
                c as u32
            );
        }
    }

    /// Every character of the first two planes and the tags and variation selectors
    /// (and every 97th of the CJK extensions), alone and next to a base, a mark and
    /// itself. The fast path's characters are left to the test above.
    #[test]
    fn every_character_in_every_position_comes_out_unambiguous() {
        let planes = (0..=0x1FFFFu32)
            .chain((0x20000..=0x2FFFF).step_by(97))
            .chain(0xE0000..=0xE01FF);
        for c in planes.filter_map(char::from_u32).filter(|c| !plain(*c)) {
            for text in [
                c.to_string(),
                format!("a{c}"),
                format!("{c}a"),
                format!("中{c}\u{301}{c}"),
            ] {
                if let Err(e) = check_safe(&text) {
                    panic!("U+{:04X}: {e}", c as u32);
                }
            }
        }
    }

    /// Characters that change clusters' widths, among ordinary ones.
    fn risky_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let interesting = prop_oneof![
            0x20u32..0x7F,
            0x300u32..0x370,
            0x600u32..0x606,
            0x900u32..0x980,
            0xE00u32..0xE60,
            0x1100u32..0x1200,
            0xA960u32..0xA980,
            0xD7B0u32..0xD800,
            0xAC00u32..0xAC40,
            0x4E00u32..0x4E40,
            0xFE00u32..0xFE10,
            0xFF61u32..0xFFA0,
            0x1F1E6u32..0x1F200,
            0x1F300u32..0x1F400,
            0x1F600u32..0x1F650,
            0x1FA70u32..0x1FB00,
            0xE0000u32..0xE0080,
            0xE0100u32..0xE01F0,
            Just(0x200Du32),
            Just(0x20E3u32),
            Just(0x200Cu32),
            Just(0x0Du32),
            Just(0x0Au32),
        ]
        .prop_filter_map("a char", char::from_u32);
        prop::collection::vec(prop_oneof![interesting, any::<char>()], 0..24)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        #[test]
        fn display_safe_is_unambiguous_measured_and_idempotent(text in risky_text()) {
            if let Err(e) = check_safe(&text) {
                proptest::prop_assert!(false, "{}", e);
            }
        }

        #[test]
        fn fit_and_pad_keep_to_their_columns(text in risky_text(), columns in 0usize..30) {
            proptest::prop_assert!(width(&fit(&text, columns)) <= columns);
            proptest::prop_assert_eq!(width(&pad(&text, columns)), columns);
            let cut = fit(&text, columns);
            proptest::prop_assert!(cut.graphemes(true).all(unambiguous));
        }
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
