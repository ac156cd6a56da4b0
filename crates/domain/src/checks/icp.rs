//! ICP filing (备案) and licence numbers.
//!
//! Shapes accepted, all with ASCII digits:
//! - filing: province + `ICP备` + serial + `号`, optional `-N` site suffix, where the
//!   serial is 6–8 digits (older numbers) or 10 digits starting with the year (newer);
//! - ICP licence: province + `ICP证` + 6–8 digits + `号`, optional `-N`;
//! - value-added telecom licence: province + `B2-` + 8 digits, optional `号`, optional `-N`.

/// The abbreviations MIIT prints in ICP numbers, one for each of the 31 provinces,
/// municipalities and regions of the mainland. Four are not the everyday abbreviation:
/// Sichuan's numbers begin 蜀 (not 川), Guizhou's 黔 (not 贵), Yunnan's 滇 (not 云) and
/// Gansu's 陇 (not 甘); see `OTHER_ABBREVIATIONS`.
const PROVINCES: &[&str] = &[
    "京", "津", "冀", "晋", "蒙", "辽", "吉", "黑", "沪", "苏", "浙", "皖", "闽", "赣", "鲁", "豫",
    "鄂", "湘", "粤", "桂", "琼", "渝", "蜀", "黔", "滇", "藏", "陕", "陇", "青", "宁", "新",
];

/// Everyday abbreviations that MIIT numbers do not use, with the one they do. A number
/// that starts with one of these is not in the register as written: it is refused, and
/// the problem names the abbreviation the register uses.
const OTHER_ABBREVIATIONS: &[(&str, &str)] =
    &[("川", "蜀"), ("贵", "黔"), ("云", "滇"), ("甘", "陇")];

/// Years a 10-digit serial may start with: filing began in 2004; later years are typos.
const SERIAL_YEARS: std::ops::RangeInclusive<u32> = 2004..=2099;

/// What is wrong with an ICP number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcpProblem {
    Empty,
    /// Starts with `ICP` or `B2` and has no province.
    MissingProvince,
    UnknownProvince(String),
    /// The province's everyday abbreviation where MIIT numbers use another one
    /// (`川` for `蜀`).
    OtherAbbreviation {
        given: String,
        official: String,
    },
    /// Full-width characters (`１２３`, `ＩＣＰ`, `－`) where half-width ones belong.
    FullWidth(String),
    /// Spaces inside the number.
    Whitespace,
    MissingIcpMarker,
    BadSerial(String),
    /// A 10-digit serial whose first four digits are not a plausible year.
    BadYear(String),
    MissingHao,
    BadSiteSuffix(String),
}

impl IcpProblem {
    pub fn en(&self) -> String {
        match self {
            IcpProblem::Empty => "the number is empty".into(),
            IcpProblem::MissingProvince => {
                "the number must start with a province abbreviation such as 京 or 浙".into()
            }
            IcpProblem::UnknownProvince(p) => format!("`{p}` is not a province abbreviation"),
            IcpProblem::OtherAbbreviation { given, official } => format!(
                "ICP numbers of this province begin `{official}`, not `{given}`: check the number in the MIIT register"
            ),
            IcpProblem::FullWidth(s) => {
                format!("`{s}` is full-width: use half-width letters, digits and `-`")
            }
            IcpProblem::Whitespace => "the number must not contain spaces".into(),
            IcpProblem::MissingIcpMarker => {
                "expected `ICP备`, `ICP证` or a `B2-` licence after the province".into()
            }
            IcpProblem::BadSerial(s) => {
                format!("serial `{s}` must be 6-8 digits, or 10 digits starting with the year")
            }
            IcpProblem::BadYear(s) => {
                format!("10-digit serial `{s}` must start with the year of filing")
            }
            IcpProblem::MissingHao => "the number must end with `号`".into(),
            IcpProblem::BadSiteSuffix(s) => format!("site suffix `{s}` must be `-` and a number"),
        }
    }

    pub fn zh(&self) -> String {
        match self {
            IcpProblem::Empty => "备案号为空".into(),
            IcpProblem::MissingProvince => "备案号应以省份简称开头，如“京”“浙”".into(),
            IcpProblem::UnknownProvince(p) => format!("“{p}”不是省份简称"),
            IcpProblem::OtherAbbreviation { given, official } => {
                format!("该省备案号以“{official}”开头，而非“{given}”，请到工信部备案系统核对")
            }
            IcpProblem::FullWidth(s) => format!("“{s}”为全角字符，请使用半角字母、数字和“-”"),
            IcpProblem::Whitespace => "备案号中不应有空格".into(),
            IcpProblem::MissingIcpMarker => "省份简称后应为“ICP备”“ICP证”或“B2-”".into(),
            IcpProblem::BadSerial(s) => format!("序号“{s}”应为6至8位数字，或以年份开头的10位数字"),
            IcpProblem::BadYear(s) => format!("10位序号“{s}”应以备案年份开头"),
            IcpProblem::MissingHao => "备案号应以“号”结尾".into(),
            IcpProblem::BadSiteSuffix(s) => format!("网站序号“{s}”应为“-”加数字"),
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a filing number such as `京ICP备12345678号-1` or `浙ICP备2021012345号`, or a
/// licence such as `京ICP证030173号` or `浙B2-20080224`.
pub fn validate_icp(number: &str) -> Result<(), IcpProblem> {
    let number = number.trim();
    if number.is_empty() {
        return Err(IcpProblem::Empty);
    }
    // These are the usual copy-paste mistakes; naming them helps more than "bad serial".
    if let Some(c) = number
        .chars()
        .find(|c| ('\u{FF01}'..='\u{FF5E}').contains(c))
    {
        return Err(IcpProblem::FullWidth(c.to_string()));
    }
    if number.chars().any(char::is_whitespace) {
        return Err(IcpProblem::Whitespace);
    }
    let first = number.chars().next().expect("not empty");
    if first.is_ascii() {
        return Err(if first.is_ascii_alphabetic() {
            IcpProblem::MissingProvince
        } else {
            IcpProblem::UnknownProvince(first.to_string())
        });
    }
    let province = &number[..first.len_utf8()];
    if let Some((_, official)) = OTHER_ABBREVIATIONS.iter().find(|(p, _)| *p == province) {
        return Err(IcpProblem::OtherAbbreviation {
            given: province.to_string(),
            official: official.to_string(),
        });
    }
    if !PROVINCES.contains(&province) {
        return Err(IcpProblem::UnknownProvince(province.to_string()));
    }
    let rest = &number[province.len()..];
    if let Some(licence) = rest.strip_prefix("B2-") {
        let (serial, after) = match licence.split_once('号') {
            Some((serial, after)) => (serial, after),
            None => licence
                .find('-')
                .map_or((licence, ""), |i| licence.split_at(i)),
        };
        if serial.len() != 8 || !all_digits(serial) {
            return Err(IcpProblem::BadSerial(serial.to_string()));
        }
        return site_suffix(after);
    }
    if let Some(licence) = rest.strip_prefix("ICP证") {
        let (serial, after) = licence.split_once('号').ok_or(IcpProblem::MissingHao)?;
        if !(6..=8).contains(&serial.len()) || !all_digits(serial) {
            return Err(IcpProblem::BadSerial(serial.to_string()));
        }
        return site_suffix(after);
    }
    let Some(filing) = rest.strip_prefix("ICP备") else {
        return Err(IcpProblem::MissingIcpMarker);
    };
    let (serial, after) = filing.split_once('号').ok_or_else(|| {
        if all_digits(filing) {
            IcpProblem::MissingHao
        } else {
            // `京ICP备12345678-1`: the site suffix is there, the 号 before it is not.
            match filing.split_once('-') {
                Some((serial, _)) if all_digits(serial) => IcpProblem::MissingHao,
                _ => IcpProblem::BadSerial(filing.to_string()),
            }
        }
    })?;
    if !all_digits(serial) {
        return Err(IcpProblem::BadSerial(serial.to_string()));
    }
    match serial.len() {
        6..=8 => {}
        10 => {
            let year: u32 = serial[..4].parse().expect("four ASCII digits");
            if !SERIAL_YEARS.contains(&year) {
                return Err(IcpProblem::BadYear(serial.to_string()));
            }
        }
        _ => return Err(IcpProblem::BadSerial(serial.to_string())),
    }
    site_suffix(after)
}

/// The ICP numbers printed in a page's text (usually its footer), in the order they
/// appear, without the spaces people put after `备` (`蜀ICP备 12005138号-1`). Plain text
/// scanning: the caller has already taken the text out of the HTML with a parser.
pub fn find_icp_numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, c) in text.char_indices() {
        let p = &text[i..i + c.len_utf8()];
        let known = PROVINCES.contains(&p) || OTHER_ABBREVIATIONS.iter().any(|(a, _)| *a == p);
        if !known {
            continue;
        }
        let rest = &text[i + p.len()..];
        let Some((marker, after)) = ["ICP备", "ICP证", "B2-"]
            .iter()
            .find_map(|m| rest.strip_prefix(m).map(|a| (*m, a)))
        else {
            continue;
        };
        let after = after.trim_start_matches([' ', '\u{3000}', '\u{a0}']);
        let tail: String = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '号' || *c == '-')
            .collect();
        let tail = tail.trim_end_matches('-');
        if tail.chars().any(|c| c.is_ascii_digit()) {
            found.push(format!("{p}{marker}{tail}"));
        }
    }
    found
}

/// Whether two ICP numbers name the same filing: the same number up to its `号`, whatever
/// site suffix (`-1`, `-2`) follows, since one filing covers all of an entity's sites.
pub fn same_filing(a: &str, b: &str) -> bool {
    fn stem(n: &str) -> &str {
        let n = n.trim();
        if let Some(i) = n.find('号') {
            return &n[..i];
        }
        // A `B2-` licence without 号: its eight digits, without a site suffix.
        match n.find("B2-") {
            Some(b) => n[b + 3..].find('-').map_or(n, |j| &n[..b + 3 + j]),
            None => n,
        }
    }
    !a.trim().is_empty() && stem(a) == stem(b)
}

/// Nothing, or `-` and a site number of at most three digits.
fn site_suffix(after: &str) -> Result<(), IcpProblem> {
    if after.is_empty() {
        return Ok(());
    }
    match after.strip_prefix('-') {
        Some(n) if all_digits(n) && n.len() <= 3 => Ok(()),
        _ => Err(IcpProblem::BadSiteSuffix(after.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IcpProblem::*;

    #[test]
    fn icp_numbers_valid_and_invalid() {
        let table: &[(&str, Result<(), IcpProblem>)] = &[
            // Filings, older and newer serials, with and without a site suffix.
            ("京ICP备12345678号", Ok(())),
            ("京ICP备12345678号-1", Ok(())),
            ("沪ICP备123456号", Ok(())),
            ("粤ICP备1234567号-12", Ok(())),
            ("浙ICP备2021012345号", Ok(())),
            ("浙ICP备2021012345号-3", Ok(())),
            ("琼ICP备2004000001号", Ok(())),
            ("  蒙ICP备05002717号  ", Ok(())),
            // Licences.
            ("京ICP证030173号", Ok(())),
            ("京ICP证030173号-1", Ok(())),
            ("浙B2-20080224", Ok(())),
            ("浙B2-20080224-1", Ok(())),
            ("京B2-20090059号", Ok(())),
            // Malformed.
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("京ICP备１２３４５６７８号", Err(FullWidth("１".into()))),
            ("京ＩＣＰ备12345678号", Err(FullWidth("Ｉ".into()))),
            ("京ICP备12345678号－1", Err(FullWidth("－".into()))),
            ("京ICP备12345678", Err(MissingHao)),
            ("京ICP备12345678-1", Err(MissingHao)),
            // No 号, and what stands before the suffix is no serial either.
            ("京ICP备12a45678-1", Err(BadSerial("12a45678-1".into()))),
            ("京ICP证030173", Err(MissingHao)),
            ("港ICP备12345678号", Err(UnknownProvince("港".into()))),
            ("台ICP备12345678号", Err(UnknownProvince("台".into()))),
            ("ICP备12345678号", Err(MissingProvince)),
            ("B2-20080224", Err(MissingProvince)),
            ("1ICP备12345678号", Err(UnknownProvince("1".into()))),
            ("京ICP备123456789号", Err(BadSerial("123456789".into()))),
            ("京ICP备12345号", Err(BadSerial("12345".into()))),
            ("京ICP备号", Err(BadSerial("".into()))),
            ("京ICP备12a45678号", Err(BadSerial("12a45678".into()))),
            ("京ICP备12345678901号", Err(BadSerial("12345678901".into()))),
            ("京ICP备1999012345号", Err(BadYear("1999012345".into()))),
            ("京ICP备0000012345号", Err(BadYear("0000012345".into()))),
            ("京ICP备12345678号-", Err(BadSiteSuffix("-".into()))),
            ("京ICP备12345678号-a", Err(BadSiteSuffix("-a".into()))),
            ("京ICP备12345678号-1234", Err(BadSiteSuffix("-1234".into()))),
            ("京ICP备12345678号1", Err(BadSiteSuffix("1".into()))),
            ("京ICP备12345678号号", Err(BadSiteSuffix("号".into()))),
            ("京ICP备 12345678号", Err(Whitespace)),
            ("京ICP备12345678号 -1", Err(Whitespace)),
            ("京ICP备\u{3000}12345678号", Err(Whitespace)),
            ("京icp备12345678号", Err(MissingIcpMarker)),
            ("京ICP12345678号", Err(MissingIcpMarker)),
            ("京12345678号", Err(MissingIcpMarker)),
            ("京ICP证12345号", Err(BadSerial("12345".into()))),
            ("京ICP证2021012345号", Err(BadSerial("2021012345".into()))),
            ("浙B2-2008022", Err(BadSerial("2008022".into()))),
            ("浙B2-200802241", Err(BadSerial("200802241".into()))),
            ("浙B2-20080224-", Err(BadSiteSuffix("-".into()))),
        ];
        for (number, expected) in table {
            assert_eq!(&validate_icp(number), expected, "{number:?}");
        }
    }

    #[test]
    fn every_problem_explains_itself_in_both_languages() {
        let problems = [
            Empty,
            MissingProvince,
            UnknownProvince("港".into()),
            OtherAbbreviation {
                given: "川".into(),
                official: "蜀".into(),
            },
            FullWidth("１".into()),
            Whitespace,
            MissingIcpMarker,
            BadSerial("123".into()),
            BadYear("1999012345".into()),
            MissingHao,
            BadSiteSuffix("-".into()),
        ];
        for p in problems {
            assert!(!p.en().is_empty() && !p.zh().is_empty(), "{p:?}");
            assert_ne!(p.en(), p.zh(), "{p:?}");
        }
    }

    /// One number per province, each as published on a site's footer (collected from
    /// public pages in December 2026), so that every abbreviation is checked against what
    /// MIIT actually issues rather than against this file's own list.
    const PUBLISHED: &[(&str, &str)] = &[
        ("北京", "京ICP证030173号"),
        ("天津", "津ICP备05004140号-10"),
        ("河北", "冀ICP备05023975号-1"),
        ("山西", "晋ICP备13008414号-3"),
        ("内蒙古", "蒙ICP备05002717号"),
        ("辽宁", "辽ICP备06021230号-2"),
        ("吉林", "吉ICP备10002740号-1"),
        ("黑龙江", "黑ICP备17009694号-2"),
        ("上海", "沪ICP备14033591号-8"),
        ("江苏", "苏ICP备05003446号"),
        ("浙江", "浙B2-20080224"),
        ("安徽", "皖ICP备17005514号-1"),
        ("福建", "闽ICP备14008589号-1"),
        ("江西", "赣ICP备12007816号-23"),
        ("山东", "鲁ICP备17035173号-1"),
        ("河南", "豫ICP备16015506号"),
        ("湖北", "鄂ICP备17016655号-3"),
        ("湖南", "湘ICP备12003586号-55"),
        ("广东", "粤B2-20090059"),
        ("广西", "桂ICP备12002922号-1"),
        ("海南", "琼ICP备15000297号-4"),
        ("重庆", "渝ICP备14000653号-3"),
        ("四川", "蜀ICP备11017033号"),
        ("贵州", "黔ICP备17003900号-1"),
        ("云南", "滇ICP备12006807号-1"),
        ("西藏", "藏ICP备05000064号"),
        ("陕西", "陕ICP备15011477号"),
        ("甘肃", "陇ICP备15000343号-1"),
        ("青海", "青ICP备15000618号"),
        ("宁夏", "宁ICP备14000922号-2"),
        ("新疆", "新ICP备2024015133号-3"),
    ];

    #[test]
    fn a_published_number_of_every_province_is_accepted() {
        assert_eq!(PUBLISHED.len(), 31);
        for (province, number) in PUBLISHED {
            assert_eq!(validate_icp(number), Ok(()), "{province}: {number}");
        }
        // Each of the 31 abbreviations is used by exactly one published number.
        let mut firsts: Vec<&str> = PUBLISHED
            .iter()
            .map(|(_, n)| &n[..n.chars().next().unwrap().len_utf8()])
            .collect();
        firsts.sort_unstable();
        let mut provinces = PROVINCES.to_vec();
        provinces.sort_unstable();
        assert_eq!(firsts, provinces);
    }

    #[test]
    fn an_everyday_abbreviation_names_the_one_miit_uses() {
        for (given, official) in [("川", "蜀"), ("贵", "黔"), ("云", "滇"), ("甘", "陇")] {
            assert_eq!(
                validate_icp(&format!("{given}ICP备11017033号")),
                Err(OtherAbbreviation {
                    given: given.into(),
                    official: official.into(),
                }),
            );
        }
    }

    #[test]
    fn numbers_are_found_in_page_text() {
        let text = "Copyright © 2017 成都问界科技有限公司 | 蜀ICP备 15021053号-1 川公网安备 51010702001234号\n京ICP证030173号 浙B2-20080224-1。";
        assert_eq!(
            find_icp_numbers(text),
            ["蜀ICP备15021053号-1", "京ICP证030173号", "浙B2-20080224-1"]
        );
        assert!(find_icp_numbers("ICP备案：待定 京ICP备 号").is_empty());
        assert!(same_filing("京ICP备12345678号", "京ICP备12345678号-3"));
        assert!(same_filing("浙B2-20080224", "浙B2-20080224-1"));
        assert!(!same_filing("京ICP备12345678号", "京ICP备12345679号"));
        assert!(!same_filing("", ""));
    }

    #[test]
    fn every_province_is_accepted() {
        assert_eq!(PROVINCES.len(), 31);
        for p in PROVINCES {
            assert_eq!(validate_icp(&format!("{p}ICP备12345678号")), Ok(()), "{p}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = validate_icp(&s);
        }

        #[test]
        fn any_year_serial_in_range_is_valid(year in 2004u32..=2099, n in 0u32..1_000_000, site in proptest::option::of(1u32..100)) {
            let suffix = site.map(|s| format!("-{s}")).unwrap_or_default();
            let number = format!("浙ICP备{year}{n:06}号{suffix}");
            proptest::prop_assert_eq!(validate_icp(&number), Ok(()));
        }
    }
}
