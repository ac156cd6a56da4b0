//! The merchant's sort key: names in pinyin order (issue 13), computed once per record
//! and kept beside it, so that the queue sorted by merchant walks an index.
//!
//! A Chinese character is its pinyin without tone marks followed by its tone's digit
//! (`上海` → `shang4hai3`): the syllables compare letter by letter, the digit ends one
//! syllable before the next begins (`xi1an1`, 西安, before `xian1`, 先), and of two
//! characters with the same syllable the lower tone comes first. Latin letters are
//! lower-cased, so `Apple` sorts among the `a…` syllables; everything else (digits,
//! punctuation, characters with no pinyin) is kept as it is. Only the order comes from
//! this key; the name shown is always the name itself.

use pinyin::ToPinyin;

/// The key the queue sorts merchant names by.
pub fn merchant_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() * 2);
    for c in name.trim().chars() {
        match c.to_pinyin() {
            Some(p) => {
                let syllable = p.with_tone_num_end();
                // Tone-less syllables (neutral tone) have no digit: 5, after the four.
                key.push_str(syllable);
                if !syllable.ends_with(|d: char| d.is_ascii_digit()) {
                    key.push('5');
                }
            }
            None => key.extend(c.to_lowercase()),
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::merchant_key;

    #[test]
    fn pinyin_order_not_code_point_order() {
        let mut names = vec![
            "黄山茶业",
            "上海华盛",
            "Apple 商店",
            "北京锦聚",
            "西安",
            "先锋",
        ];
        names.sort_by_key(|n| merchant_key(n));
        assert_eq!(
            names,
            [
                "Apple 商店",
                "北京锦聚",
                "黄山茶业",
                "上海华盛",
                "西安",
                "先锋"
            ]
        );
        // By code point 上 (U+4E0A) would come before 北 (U+5317) and 黄 (U+9EC4) last.
        assert!("上海华盛" < "北京锦聚");
    }

    #[test]
    fn latin_case_is_ignored_and_digits_kept() {
        assert_eq!(merchant_key("ABC Shop 2"), "abc shop 2");
        assert_eq!(merchant_key("上海"), "shang4hai3");
        assert_eq!(merchant_key("  x "), "x");
    }
}
