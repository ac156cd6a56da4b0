//! The words and number shapes demo applications are made of: cities and their district
//! codes, names, brand characters, industries, domains, mail providers, phone prefixes,
//! banks and document names.

/// A city merchants register in: its province's abbreviation (as in ICP numbers) and
/// district codes (as in licence and ID numbers), with a weight for how common it is.
pub(crate) struct City {
    pub(crate) name: &'static str,
    pub(crate) province: &'static str,
    pub(crate) districts: &'static [&'static str],
    pub(crate) weight: u32,
}

#[rustfmt::skip]
pub(crate) const CITIES: &[City] = &[
    City { name: "杭州", province: "浙", districts: &["330106", "330108", "330110", "330102"], weight: 12 },
    City { name: "深圳", province: "粤", districts: &["440305", "440304", "440306", "440303"], weight: 12 },
    City { name: "上海", province: "沪", districts: &["310115", "310104", "310112", "310106"], weight: 12 },
    City { name: "北京", province: "京", districts: &["110108", "110105", "110101", "110106"], weight: 10 },
    City { name: "广州", province: "粤", districts: &["440106", "440104", "440105"], weight: 8 },
    City { name: "宁波", province: "浙", districts: &["330203", "330212"], weight: 3 },
    City { name: "南京", province: "苏", districts: &["320106", "320105", "320104"], weight: 4 },
    City { name: "苏州", province: "苏", districts: &["320505", "320506", "320508"], weight: 4 },
    City { name: "成都", province: "蜀", districts: &["510107", "510104", "510105"], weight: 4 },
    City { name: "武汉", province: "鄂", districts: &["420106", "420111"], weight: 3 },
    City { name: "厦门", province: "闽", districts: &["350203", "350206"], weight: 3 },
    City { name: "福州", province: "闽", districts: &["350102", "350104"], weight: 2 },
    City { name: "西安", province: "陕", districts: &["610113", "610103"], weight: 2 },
    City { name: "长沙", province: "湘", districts: &["430104", "430103"], weight: 2 },
    City { name: "重庆", province: "渝", districts: &["500103", "500106"], weight: 2 },
    City { name: "天津", province: "津", districts: &["120104", "120116"], weight: 2 },
    City { name: "郑州", province: "豫", districts: &["410105", "410102"], weight: 2 },
    City { name: "合肥", province: "皖", districts: &["340104", "340111"], weight: 2 },
    City { name: "济南", province: "鲁", districts: &["370102", "370112"], weight: 1 },
    City { name: "青岛", province: "鲁", districts: &["370202", "370212"], weight: 2 },
];

/// Common surnames with their pinyin, most common first (drawn with a skew towards the front).
#[rustfmt::skip]
pub(crate) const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("袁", "yuan"),
    ("潘", "pan"), ("蒋", "jiang"), ("蔡", "cai"), ("余", "yu"), ("杜", "du"), ("叶", "ye"),
    ("程", "cheng"), ("苏", "su"), ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("沈", "shen"),
    ("姚", "yao"), ("卢", "lu"), ("姜", "jiang"), ("崔", "cui"), ("钟", "zhong"), ("谭", "tan"),
    ("陆", "lu"), ("汪", "wang"), ("范", "fan"), ("金", "jin"), ("方", "fang"), ("欧阳", "ouyang"),
];

/// Characters common in given names, with their pinyin.
#[rustfmt::skip]
pub(crate) const GIVEN_NAME_CHARS: &[(&str, &str)] = &[
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("英", "ying"), ("华", "hua"), ("建", "jian"),
    ("国", "guo"), ("文", "wen"), ("辉", "hui"), ("鑫", "xin"), ("宇", "yu"), ("浩", "hao"),
    ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("晨", "chen"), ("欣", "xin"), ("怡", "yi"),
    ("佳", "jia"), ("俊", "jun"), ("峰", "feng"), ("斌", "bin"), ("鹏", "peng"), ("志", "zhi"),
    ("红", "hong"), ("梅", "mei"), ("玲", "ling"), ("燕", "yan"), ("博", "bo"), ("然", "ran"),
    ("子", "zi"), ("涵", "han"), ("睿", "rui"), ("思", "si"), ("雨", "yu"), ("嘉", "jia"),
    ("琪", "qi"), ("天", "tian"), ("晓", "xiao"), ("海", "hai"), ("东", "dong"), ("亮", "liang"),
];

/// Characters that make up brand names (字号), with their pinyin for the domain.
#[rustfmt::skip]
pub(crate) const BRAND_CHARS: &[(&str, &str)] = &[
    ("云", "yun"), ("帆", "fan"), ("星", "xing"), ("辰", "chen"), ("汇", "hui"), ("智", "zhi"),
    ("联", "lian"), ("创", "chuang"), ("达", "da"), ("通", "tong"), ("美", "mei"), ("佳", "jia"),
    ("优", "you"), ("品", "pin"), ("乐", "le"), ("易", "yi"), ("瑞", "rui"), ("恒", "heng"),
    ("盛", "sheng"), ("新", "xin"), ("华", "hua"), ("鼎", "ding"), ("博", "bo"), ("宏", "hong"),
    ("信", "xin"), ("泰", "tai"), ("安", "an"), ("和", "he"), ("嘉", "jia"), ("锦", "jin"),
    ("启", "qi"), ("航", "hang"), ("蓝", "lan"), ("海", "hai"), ("睿", "rui"), ("源", "yuan"),
    ("丰", "feng"), ("顺", "shun"), ("远", "yuan"), ("卓", "zhuo"), ("越", "yue"), ("腾", "teng"),
    ("飞", "fei"), ("聚", "ju"), ("禾", "he"), ("米", "mi"), ("橙", "cheng"), ("拓", "tuo"),
    ("维", "wei"), ("途", "tu"), ("麦", "mai"), ("果", "guo"), ("青", "qing"), ("木", "mu"),
];

/// Lines of business (行业) in company names, with a pinyin word some domains add.
#[rustfmt::skip]
pub(crate) const INDUSTRIES: &[(&str, &str)] = &[
    ("科技", "keji"), ("贸易", "trade"), ("网络", "net"), ("电子商务", "ec"), ("文化传媒", "media"),
    ("信息技术", "tech"), ("商贸", "shop"), ("教育科技", "edu"), ("供应链管理", "scm"),
    ("网络科技", "tech"), ("食品", "food"), ("服饰", "fashion"),
];

/// Words merchants append to a brand in their domain.
#[rustfmt::skip]
pub(crate) const DOMAIN_SUFFIXES: &[&str] = &["mall", "shop", "online", "365", "88", "china", "go", "buy", "home", "life"];

/// Top-level domains with weights: .com first, then the Chinese ones.
pub(crate) const TLDS: &[(&str, u32)] = &[(".com", 55), (".cn", 20), (".com.cn", 15), (".net", 10)];

#[rustfmt::skip]
pub(crate) const MAIL_PROVIDERS: &[&str] = &["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com", "aliyun.com"];

/// Role mailboxes companies register payment accounts under.
pub(crate) const COMPANY_MAILBOXES: &[&str] = &[
    "finance", "caiwu", "pay", "service", "admin", "kefu", "zhifu",
];

/// Mobile number prefixes in use (1[3-9]x).
#[rustfmt::skip]
pub(crate) const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
];

/// Banks with a typical debit card prefix.
#[rustfmt::skip]
pub(crate) const BANKS: &[(&str, &str)] = &[
    ("中国工商银行", "6222"), ("中国建设银行", "6217"), ("中国农业银行", "6228"), ("中国银行", "6216"),
    ("招商银行", "6214"), ("交通银行", "6222"), ("浦发银行", "6225"), ("中信银行", "6226"),
    ("兴业银行", "6229"), ("平安银行", "6230"), ("中国民生银行", "6226"), ("中国邮政储蓄银行", "6210"),
];

/// The document that qualifies a restricted goods category; others get a generic name.
pub(crate) const QUALIFICATION_DOCUMENTS: &[(&str, &str)] = &[
    ("tobacco", "烟草专卖零售许可证"),
    ("alcohol", "酒类商品经营许可证"),
    ("pharmaceuticals", "药品经营许可证"),
    ("medical_devices", "医疗器械经营许可证"),
    ("veterinary", "动物诊疗许可证"),
    ("lottery", "彩票代销许可证"),
    ("precious_metals", "贵金属经营许可证"),
];

/// Characters of Taobao short links (m.tb.cn/h.xxxxxxx).
pub(crate) const SHORT_LINK_CHARS: &[u8] =
    b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

pub(crate) const TEST_ACCOUNTS: &[&str] = &[
    "test",
    "test01",
    "review",
    "demo",
    "shenhe",
    "audit",
    "alipay_test",
];

/// Characters of the unified social credit code (GB 32100-2015): no I, O, S, V, Z.
pub(crate) const CREDIT_CODE_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
