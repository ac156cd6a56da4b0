//! ICP filing (备案) and licence numbers.
//!
//! Shapes accepted, all with ASCII digits:
//! - filing: province + `ICP备` + serial + `号`, optional `-N` site suffix, where the
//!   serial is 6–8 digits (older numbers) or 10 digits starting with the year (newer);
//! - ICP licence: province + `ICP证` + 6–8 digits + `号`, optional `-N`;
//! - value-added telecom licence: province + `B2-` + 8 digits, optional `号`, optional `-N`.

/// Province (and municipality, region) abbreviations used in ICP numbers.
const PROVINCES: &[&str] = &[
    "京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖", "鲁", "新", "苏", "浙", "赣",
    "鄂", "桂", "甘", "晋", "蒙", "陕", "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼",
];

/// Years a 10-digit serial may start with: filing began in 2004; later years are typos.
const SERIAL_YEARS: std::ops::RangeInclusive<u32> = 2004..=2099;

/// What is wrong with an ICP number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcpProblem {
    Empty,
    /// Starts with `ICP` or `B2` and has no province.
    MissingProvince,
    UnknownProvince(String),
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
