//! ICP filing (备案) and licence numbers.

/// Province (and municipality, region) abbreviations used in ICP numbers.
const PROVINCES: &[&str] = &[
    "京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖", "鲁", "新", "苏", "浙", "赣",
    "鄂", "桂", "甘", "晋", "蒙", "陕", "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼",
];

/// What is wrong with an ICP number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcpProblem {
    UnknownProvince(String),
    MissingIcpMarker,
    BadSerial(String),
    MissingHao,
    BadSiteSuffix(String),
}

impl IcpProblem {
    pub fn en(&self) -> String {
        match self {
            IcpProblem::UnknownProvince(p) => format!("`{p}` is not a province abbreviation"),
            IcpProblem::MissingIcpMarker => {
                "expected `ICP备`, `ICP证` or a `B2-` licence after the province".into()
            }
            IcpProblem::BadSerial(s) => {
                format!("serial `{s}` must be 6-8 digits, or 10 digits starting with the year")
            }
            IcpProblem::MissingHao => "the number must end with `号`".into(),
            IcpProblem::BadSiteSuffix(s) => format!("site suffix `{s}` must be `-` and a number"),
        }
    }

    pub fn zh(&self) -> String {
        match self {
            IcpProblem::UnknownProvince(p) => format!("“{p}”不是省份简称"),
            IcpProblem::MissingIcpMarker => "省份简称后应为“ICP备”“ICP证”或“B2-”".into(),
            IcpProblem::BadSerial(s) => format!("序号“{s}”应为6至8位数字，或以年份开头的10位数字"),
            IcpProblem::MissingHao => "备案号应以“号”结尾".into(),
            IcpProblem::BadSiteSuffix(s) => format!("网站序号“{s}”应为“-”加数字"),
        }
    }
}

/// Checks a filing number such as `京ICP备12345678号-1` or `浙ICP备2021012345号`, or a
/// licence such as `京ICP证030173号` or `浙B2-20080224`.
pub fn validate_icp(number: &str) -> Result<(), IcpProblem> {
    let number = number.trim();
    let province: String = number.chars().take(1).collect();
    if !PROVINCES.contains(&province.as_str()) {
        return Err(IcpProblem::UnknownProvince(province));
    }
    let rest = &number[province.len()..];
    if let Some(serial) = rest.strip_prefix("B2-") {
        let serial = serial.strip_suffix('号').unwrap_or(serial);
        return if serial.len() == 8 && serial.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(IcpProblem::BadSerial(serial.to_string()))
        };
    }
    let rest = if let Some(r) = rest.strip_prefix("ICP备") {
        r
    } else if let Some(r) = rest.strip_prefix("ICP证") {
        let serial = r.strip_suffix('号').ok_or(IcpProblem::MissingHao)?;
        return if (6..=8).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(IcpProblem::BadSerial(serial.to_string()))
        };
    } else {
        return Err(IcpProblem::MissingIcpMarker);
    };
    let (serial, after) = rest.split_once('号').ok_or(IcpProblem::MissingHao)?;
    let digits = serial.bytes().all(|b| b.is_ascii_digit());
    let ok = digits
        && match serial.len() {
            6..=8 => true,
            10 => serial[..4]
                .parse::<u32>()
                .is_ok_and(|y| (2004..=2099).contains(&y)),
            _ => false,
        };
    if !ok {
        return Err(IcpProblem::BadSerial(serial.to_string()));
    }
    if !after.is_empty() {
        let suffix = after
            .strip_prefix('-')
            .ok_or_else(|| IcpProblem::BadSiteSuffix(after.to_string()))?;
        if suffix.is_empty() || suffix.len() > 3 || !suffix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IcpProblem::BadSiteSuffix(after.to_string()));
        }
    }
    Ok(())
}
