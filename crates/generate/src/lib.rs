//! Demo data for `shenhe generate`: merchant applications that look like a real review
//! queue. Names, accounts, domains, ICP numbers and document references have the shapes
//! reviewers know, and a few percent of applications carry each kind of problem the
//! checks look for, so that every check and every return reason gets exercised.
//!
//! The catalogue, the goods categories and which products need a website or an ICP
//! filing come from the [`Policy`], so the data follows the policy when a lead edits it.
//! Everything random comes from a small PRNG written here: a (seed, now) pair gives the
//! same applications whatever the crate versions.

pub mod rng;

use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::{DateTime, Datelike, FixedOffset};

use crate::rng::Rng;
use shenhe_domain::application::{
    Applicant, ApplicantKind, Application, Material, MaterialKind, Payment, PaymentMethod,
    SecurityProduct, SiteKind, Website,
};
use shenhe_domain::calendar::china;
use shenhe_domain::checks::CheckId;
use shenhe_domain::policy::{GoodsStatus, Policy, ProductKind};

// ---- shares of problems: each a few percent, as in a real queue ----

/// Accounts that have not passed real-name verification.
const UNVERIFIED: f64 = 0.05;
/// Accounts without any security product.
const NO_SECURITY_PRODUCT: f64 = 0.04;
/// Enterprises whose contact is not the legal representative (they need a letter)...
const CONTACT_IS_SOMEONE_ELSE: f64 = 0.25;
/// ...and of those, the ones who forgot the letter.
const LETTER_FORGOTTEN: f64 = 0.2;
const ID_BACK_MISSING: f64 = 0.04;
/// Of the applications with a website.
const TAOBAO_SHOP: f64 = 0.05;
const WEBSITE_NOT_BUILT: f64 = 0.04;
/// Where the product requires an ICP filing.
const ICP_MISSING: f64 = 0.03;
const ICP_MALFORMED: f64 = 0.03;
/// Where it does not: most Chinese sites show a filing number anyway.
const ICP_SHOWN_ANYWAY: f64 = 0.8;
/// Of the login sites.
const LOGIN_WITHOUT_CREDENTIALS: f64 = 0.3;
const PROHIBITED_GOODS: f64 = 0.03;
const RESTRICTED_GOODS: f64 = 0.08;
/// Of the applications with restricted goods.
const RESTRICTED_QUALIFIED: f64 = 0.5;
/// Of the prepaid packages. Unpaid ones are mostly offline payments that have not arrived.
const PACKAGE_UNPAID: f64 = 0.05;
const PACKAGE_UNDERPAID: f64 = 0.02;
const PACKAGE_WITHOUT_PAYMENT: f64 = 0.01;
/// Tiered plans pay nothing up front, but a few merchants pay anyway.
const TIERED_WITH_PAYMENT: f64 = 0.01;

// ---- shape of the queue ----

const ENTERPRISE: f64 = 0.7;
/// Platform merchants are almost always companies.
const PLATFORM_ENTERPRISE: f64 = 0.95;
/// Interface products outside the website checks (QR codes, in-app pay) sometimes name a site.
const OPTIONAL_WEBSITE: f64 = 0.5;
/// Settlement products need no integration and usually no website.
const SETTLEMENT_WEBSITE: f64 = 0.1;

/// Submissions spread over this many days before `now`.
const WINDOW_DAYS: usize = 28;
/// Relative number of submissions on a business day and on a weekend or holiday.
const BUSINESS_DAY_WEIGHT: u32 = 5;
const DAY_OFF_WEIGHT: u32 = 2;
/// Relative submissions per hour of the day (China Standard Time): office hours, a lunch dip.
#[rustfmt::skip]
const HOUR_WEIGHTS: [u32; 24] = [
    2, 1, 1, 1, 1, 1, 2, 4, 9, 15, 18, 16, 9, 12, 16, 16, 15, 12, 8, 6, 6, 5, 3, 2,
];

/// Relative frequency of the product groups; groups not named here weigh 1.
const GROUP_WEIGHTS: &[(&str, u32)] = &[("website", 4), ("platform", 2), ("wireless", 2)];
/// The tiered rate is the default choice; packages are for merchants who expect volume.
const TIERED_PLAN_WEIGHT: u32 = 3;
const PACKAGE_PLAN_WEIGHT: u32 = 1;

// ---- vocabulary ----

/// A city merchants register in: its province's abbreviation (as in ICP numbers) and
/// district codes (as in licence and ID numbers), with a weight for how common it is.
struct City {
    name: &'static str,
    province: &'static str,
    districts: &'static [&'static str],
    weight: u32,
}

#[rustfmt::skip]
const CITIES: &[City] = &[
    City { name: "杭州", province: "浙", districts: &["330106", "330108", "330110", "330102"], weight: 12 },
    City { name: "深圳", province: "粤", districts: &["440305", "440304", "440306", "440303"], weight: 12 },
    City { name: "上海", province: "沪", districts: &["310115", "310104", "310112", "310106"], weight: 12 },
    City { name: "北京", province: "京", districts: &["110108", "110105", "110101", "110106"], weight: 10 },
    City { name: "广州", province: "粤", districts: &["440106", "440104", "440105"], weight: 8 },
    City { name: "宁波", province: "浙", districts: &["330203", "330212"], weight: 3 },
    City { name: "南京", province: "苏", districts: &["320106", "320105", "320104"], weight: 4 },
    City { name: "苏州", province: "苏", districts: &["320505", "320506", "320508"], weight: 4 },
    City { name: "成都", province: "川", districts: &["510107", "510104", "510105"], weight: 4 },
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
const SURNAMES: &[(&str, &str)] = &[
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
const GIVEN_NAME_CHARS: &[(&str, &str)] = &[
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
const BRAND_CHARS: &[(&str, &str)] = &[
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
const INDUSTRIES: &[(&str, &str)] = &[
    ("科技", "keji"), ("贸易", "trade"), ("网络", "net"), ("电子商务", "ec"), ("文化传媒", "media"),
    ("信息技术", "tech"), ("商贸", "shop"), ("教育科技", "edu"), ("供应链管理", "scm"),
    ("网络科技", "tech"), ("食品", "food"), ("服饰", "fashion"),
];

/// Words merchants append to a brand in their domain.
#[rustfmt::skip]
const DOMAIN_SUFFIXES: &[&str] = &["mall", "shop", "online", "365", "88", "china", "go", "buy", "home", "life"];

/// Top-level domains with weights: .com first, then the Chinese ones.
const TLDS: &[(&str, u32)] = &[(".com", 55), (".cn", 20), (".com.cn", 15), (".net", 10)];

#[rustfmt::skip]
const MAIL_PROVIDERS: &[&str] = &["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com", "aliyun.com"];

/// Role mailboxes companies register payment accounts under.
const COMPANY_MAILBOXES: &[&str] = &[
    "finance", "caiwu", "pay", "service", "admin", "kefu", "zhifu",
];

/// Mobile number prefixes in use (1[3-9]x).
#[rustfmt::skip]
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
];

/// Banks with a typical debit card prefix.
#[rustfmt::skip]
const BANKS: &[(&str, &str)] = &[
    ("中国工商银行", "6222"), ("中国建设银行", "6217"), ("中国农业银行", "6228"), ("中国银行", "6216"),
    ("招商银行", "6214"), ("交通银行", "6222"), ("浦发银行", "6225"), ("中信银行", "6226"),
    ("兴业银行", "6229"), ("平安银行", "6230"), ("中国民生银行", "6226"), ("中国邮政储蓄银行", "6210"),
];

/// The document that qualifies a restricted goods category; others get a generic name.
const QUALIFICATION_DOCUMENTS: &[(&str, &str)] = &[
    ("tobacco", "烟草专卖零售许可证"),
    ("alcohol", "酒类商品经营许可证"),
    ("pharmaceuticals", "药品经营许可证"),
    ("medical_devices", "医疗器械经营许可证"),
    ("veterinary", "动物诊疗许可证"),
    ("lottery", "彩票代销许可证"),
    ("precious_metals", "贵金属经营许可证"),
];

/// Characters of Taobao short links (m.tb.cn/h.xxxxxxx).
const SHORT_LINK_CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

const TEST_ACCOUNTS: &[&str] = &[
    "test",
    "test01",
    "review",
    "demo",
    "shenhe",
    "audit",
    "alipay_test",
];

/// Characters of the unified social credit code (GB 32100-2015): no I, O, S, V, Z.
const CREDIT_CODE_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

// ---- the generator ----

/// A product as the generator draws it: what the policy says about it, resolved once.
struct ProductChoice {
    code: String,
    plans: Vec<PlanChoice>,
    plan_weights: Vec<u32>,
    website: WebsiteNeed,
    icp_required: bool,
    platform: bool,
}

struct PlanChoice {
    id: String,
    price_yuan: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum WebsiteNeed {
    /// The website checks apply: always has one.
    Required,
    /// An interface product the website checks leave out.
    Optional,
    /// A settlement product.
    Rare,
}

/// Makes demo applications; see the module documentation.
pub struct Generator {
    seed: u64,
    now: DateTime<FixedOffset>,
    /// The start of today in China Standard Time, in Unix seconds.
    start_of_today: i64,
    /// Cumulative weights of submitting `i` days before today, i < WINDOW_DAYS.
    day_weights: Vec<u32>,
    hour_weights: Vec<u32>,
    city_weights: Vec<u32>,
    tld_weights: Vec<u32>,
    products: Vec<ProductChoice>,
    product_weights: Vec<u32>,
    allowed_goods: Vec<String>,
    restricted_goods: Vec<String>,
    prohibited_goods: Vec<String>,
}

impl Generator {
    /// Deterministic for (seed, now): the same inputs give the same applications.
    pub fn new(policy: &Policy, seed: u64, now: DateTime<FixedOffset>) -> Generator {
        let now = now.with_timezone(&china());
        let seconds_east = i64::from(china().local_minus_utc());
        let local_seconds = now.timestamp() + seconds_east;
        let start_of_today = local_seconds - local_seconds.rem_euclid(86_400) - seconds_east;

        // Recent days weigh more (the queue is worked down), business days more than days off.
        let today = now.date_naive();
        let day_weights = cumulative((0..WINDOW_DAYS).map(|days_ago| {
            let date = today - chrono::Duration::days(days_ago as i64);
            let kind = if policy.calendar.is_business_day(date) {
                BUSINESS_DAY_WEIGHT
            } else {
                DAY_OFF_WEIGHT
            };
            (WINDOW_DAYS - days_ago) as u32 * kind
        }));

        let rule_covers = |check: CheckId, code: &str| {
            policy
                .check_rule(check)
                .is_some_and(|rule| rule.products.contains(code))
        };
        let products: Vec<ProductChoice> = policy
            .products
            .iter()
            .map(|product| {
                let plans: Vec<PlanChoice> = product
                    .plans
                    .iter()
                    .map(|id| PlanChoice {
                        id: id.clone(),
                        price_yuan: policy.plan(id).and_then(|p| p.price_yuan),
                    })
                    .collect();
                let plan_weights = cumulative(plans.iter().map(|plan| match plan.price_yuan {
                    None => TIERED_PLAN_WEIGHT,
                    Some(_) => PACKAGE_PLAN_WEIGHT,
                }));
                let website = if rule_covers(CheckId::WebsiteBuilt, &product.code) {
                    WebsiteNeed::Required
                } else if product.kind == ProductKind::Interface {
                    WebsiteNeed::Optional
                } else {
                    WebsiteNeed::Rare
                };
                ProductChoice {
                    code: product.code.clone(),
                    plans,
                    plan_weights,
                    website,
                    icp_required: rule_covers(CheckId::IcpFiling, &product.code),
                    // Platform merchants run marketplaces: companies, as a rule.
                    platform: product.group == "platform",
                }
            })
            .collect();
        let product_weights = cumulative(policy.products.iter().map(|product| {
            GROUP_WEIGHTS
                .iter()
                .find(|(group, _)| *group == product.group)
                .map_or(1, |(_, weight)| *weight)
        }));

        let goods_with = |status: GoodsStatus| -> Vec<String> {
            policy
                .goods
                .iter()
                .filter(|g| g.status == status)
                .map(|g| g.id.clone())
                .collect()
        };

        Generator {
            seed,
            now,
            start_of_today,
            day_weights,
            hour_weights: cumulative(HOUR_WEIGHTS.iter().copied()),
            city_weights: cumulative(CITIES.iter().map(|c| c.weight)),
            tld_weights: cumulative(TLDS.iter().map(|(_, w)| *w)),
            products,
            product_weights,
            allowed_goods: goods_with(GoodsStatus::Allowed),
            restricted_goods: goods_with(GoodsStatus::Restricted),
            prohibited_goods: goods_with(GoodsStatus::Prohibited),
        }
    }

    /// The i-th application (0-based). It depends only on (seed, now, index), not on which
    /// applications were made before, so any index can be made on its own.
    pub fn application(&mut self, index: u64) -> Application {
        let mut rng = Rng::for_index(self.seed, index);
        let submitted_at = self.submission_time(&mut rng);
        let product = &self.products[rng.weighted(&self.product_weights)];
        let plan = &product.plans[rng.weighted(&product.plan_weights)];
        let city = &CITIES[rng.weighted(&self.city_weights)];
        let enterprise = rng.chance(if product.platform {
            PLATFORM_ENTERPRISE
        } else {
            ENTERPRISE
        });

        let mut id = String::with_capacity(24);
        let date = submitted_at.date_naive();
        let _ = write!(
            id,
            "SQ{:04}{:02}{:02}{index:07}",
            date.year(),
            date.month(),
            date.day()
        );

        // The merchant's identity; the domain is derived from it so that name, account and
        // website belong together.
        let owner = Person::draw(&mut rng);
        let mut domain = String::with_capacity(24);
        let (name, legal_representative, contact) = if enterprise {
            let brand = Brand::draw(&mut rng);
            let industry = rng.pick(INDUSTRIES);
            let mut name = String::with_capacity(48);
            name.push_str(city.name);
            brand.write_hanzi(&mut name);
            name.push_str(industry.0);
            name.push_str(if rng.chance(0.05) {
                "股份有限公司"
            } else {
                "有限公司"
            });
            brand.write_pinyin(&mut domain);
            if rng.chance(0.3) {
                domain.push_str(industry.1);
            } else if rng.chance(0.2) {
                domain.push_str(rng.pick_word(DOMAIN_SUFFIXES));
            }
            let contact = if rng.chance(CONTACT_IS_SOMEONE_ELSE) {
                Person::draw(&mut rng)
            } else {
                owner
            };
            (name, Some(owner.hanzi()), contact.hanzi())
        } else {
            if rng.chance(0.5) {
                owner.write_pinyin(&mut domain);
            } else {
                Brand::draw(&mut rng).write_pinyin(&mut domain);
            }
            domain.push_str(rng.pick_word(DOMAIN_SUFFIXES));
            (owner.hanzi(), None, owner.hanzi())
        };
        domain.push_str(TLDS[rng.weighted(&self.tld_weights)].0);

        let account = account(&mut rng, enterprise, owner, &domain);
        let applicant = Applicant {
            kind: if enterprise {
                ApplicantKind::Enterprise
            } else {
                ApplicantKind::Individual
            },
            name,
            account,
            verified: !rng.chance(UNVERIFIED),
            legal_representative,
            contact,
            security: security_products(&mut rng),
        };

        let website = match product.website {
            WebsiteNeed::Required => true,
            WebsiteNeed::Optional => rng.chance(OPTIONAL_WEBSITE),
            WebsiteNeed::Rare => rng.chance(SETTLEMENT_WEBSITE),
        }
        .then(|| website(&mut rng, product, city, enterprise, &domain));

        let (goods, qualified) = self.goods(&mut rng);
        let materials = materials(&mut rng, &applicant, city, qualified);
        let payment = payment(&mut rng, plan.price_yuan);

        Application {
            id,
            submitted_at,
            applicant,
            materials,
            product: product.code.clone(),
            plan: plan.id.clone(),
            payment,
            website,
            goods,
        }
    }

    /// Within the WINDOW_DAYS before now, recent days and office hours more often.
    fn submission_time(&self, rng: &mut Rng) -> DateTime<FixedOffset> {
        let days_ago = rng.weighted(&self.day_weights) as i64;
        let hour = rng.weighted(&self.hour_weights) as i64;
        let mut at = self.start_of_today - days_ago * 86_400 + hour * 3600 + rng.below(3600) as i64;
        if at > self.now.timestamp() {
            // Later today has not happened yet: the same hour yesterday instead.
            at -= 86_400;
        }
        DateTime::from_timestamp(at, 0)
            .expect("within a month of now")
            .with_timezone(&china())
    }

    /// One to three ordinary categories, sometimes a restricted or prohibited one too; and
    /// the restricted category the merchant has a qualification document for, if any.
    fn goods<'a>(&'a self, rng: &mut Rng) -> (Vec<String>, Option<&'a str>) {
        let mut goods = Vec::with_capacity(4);
        if !self.allowed_goods.is_empty() {
            let count = 1 + rng.below(3).min(self.allowed_goods.len() - 1);
            while goods.len() < count {
                let category = rng.pick(&self.allowed_goods);
                if !goods.contains(category) {
                    goods.push(category.clone());
                }
            }
        }
        let mut qualified = None;
        if !self.restricted_goods.is_empty() && rng.chance(RESTRICTED_GOODS) {
            let category = rng.pick(&self.restricted_goods);
            goods.push(category.clone());
            if rng.chance(RESTRICTED_QUALIFIED) {
                qualified = Some(category.as_str());
            }
        }
        if !self.prohibited_goods.is_empty() && rng.chance(PROHIBITED_GOODS) {
            goods.push(rng.pick(&self.prohibited_goods).clone());
        }
        (goods, qualified)
    }
}

/// Applications a generating thread makes at a time.
const CHUNK: u64 = 4096;

/// Writes `count` applications as NDJSON (one JSON object per line) to `out`. Every core
/// makes chunks of them (an application depends only on its index), written in order, so
/// the output is the same however many cores there are.
pub fn write_ndjson(
    policy: &Policy,
    seed: u64,
    now: DateTime<FixedOffset>,
    count: u64,
    out: &mut impl Write,
) -> io::Result<()> {
    let makers = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let chunks = count.div_ceil(CHUNK);
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    if makers < 2 || chunks < 2 {
        let mut generator = Generator::new(policy, seed, now);
        for chunk in 0..chunks {
            out.write_all(&chunk_ndjson(&mut generator, chunk, count))?;
        }
        return out.flush();
    }
    std::thread::scope(|scope| {
        // One channel a maker, each taking every `makers`-th chunk: reading them in turn
        // puts the chunks back in order.
        let receivers: Vec<_> = (0..makers)
            .map(|maker| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
                scope.spawn(move || {
                    let mut generator = Generator::new(policy, seed, now);
                    for chunk in (maker..chunks).step_by(makers as usize) {
                        // The writer stopped (a closed pipe): stop making.
                        if tx.send(chunk_ndjson(&mut generator, chunk, count)).is_err() {
                            return;
                        }
                    }
                });
                rx
            })
            .collect();
        for chunk in 0..chunks {
            let lines = receivers[(chunk % makers) as usize]
                .recv()
                .map_err(|_| io::Error::other("a generating thread stopped"))?;
            out.write_all(&lines)?;
        }
        out.flush()
    })
}

/// The `chunk`-th [`CHUNK`] of `count` applications, one JSON object a line.
fn chunk_ndjson(generator: &mut Generator, chunk: u64, count: u64) -> Vec<u8> {
    let start = chunk * CHUNK;
    let end = (start + CHUNK).min(count);
    let mut lines = Vec::with_capacity((end - start) as usize * 800);
    for index in start..end {
        serde_json::to_writer(&mut lines, &generator.application(index))
            .expect("applications serialise");
        lines.push(b'\n');
    }
    lines
}

// ---- people and brands ----

/// A person's name as indexes into the tables, so it costs nothing until written out.
#[derive(Clone, Copy)]
struct Person {
    surname: usize,
    given: [usize; 2],
    given_len: usize,
}

impl Person {
    fn draw(rng: &mut Rng) -> Person {
        // The minimum of two draws favours the common surnames at the front of the table.
        let surname = rng.below(SURNAMES.len()).min(rng.below(SURNAMES.len()));
        let given_len = if rng.chance(0.35) { 1 } else { 2 };
        Person {
            surname,
            given: [
                rng.below(GIVEN_NAME_CHARS.len()),
                rng.below(GIVEN_NAME_CHARS.len()),
            ],
            given_len,
        }
    }

    fn hanzi(self) -> String {
        let mut name = String::with_capacity(12);
        name.push_str(SURNAMES[self.surname].0);
        for &given in &self.given[..self.given_len] {
            name.push_str(GIVEN_NAME_CHARS[given].0);
        }
        name
    }

    fn write_pinyin(self, out: &mut String) {
        out.push_str(SURNAMES[self.surname].1);
        for &given in &self.given[..self.given_len] {
            out.push_str(GIVEN_NAME_CHARS[given].1);
        }
    }
}

/// A brand (字号) of two or three characters, none repeated.
struct Brand {
    chars: [usize; 3],
    len: usize,
}

impl Brand {
    fn draw(rng: &mut Rng) -> Brand {
        let len = if rng.chance(0.75) { 2 } else { 3 };
        let mut chars = [0; 3];
        for i in 0..len {
            // A later character steps past any that is already taken, so none repeats.
            let mut next = rng.below(BRAND_CHARS.len());
            while chars[..i].contains(&next) {
                next = (next + 1) % BRAND_CHARS.len();
            }
            chars[i] = next;
        }
        Brand { chars, len }
    }

    fn write_hanzi(&self, out: &mut String) {
        for &c in &self.chars[..self.len] {
            out.push_str(BRAND_CHARS[c].0);
        }
    }

    fn write_pinyin(&self, out: &mut String) {
        for &c in &self.chars[..self.len] {
            out.push_str(BRAND_CHARS[c].1);
        }
    }
}

/// A payment account: a mobile number, a personal mailbox, or (companies) a role mailbox.
fn account(rng: &mut Rng, enterprise: bool, owner: Person, domain: &str) -> String {
    let mut account = String::with_capacity(32);
    let roll = rng.below(100);
    if roll < 40 {
        account.push_str(rng.pick_word(MOBILE_PREFIXES));
        rng.push_digits(&mut account, 8);
    } else if enterprise && roll < 75 {
        account.push_str(rng.pick_word(COMPANY_MAILBOXES));
        account.push('@');
        account.push_str(domain);
    } else if roll < 88 {
        owner.write_pinyin(&mut account);
        if rng.chance(0.6) {
            let _ = write!(account, "{}", rng.below(100));
        }
        account.push('@');
        account.push_str(rng.pick_word(MAIL_PROVIDERS));
    } else {
        // A QQ number: 6 to 10 digits, never starting with 0.
        let _ = write!(account, "{}", 1 + rng.below(9));
        let len = 5 + rng.below(5);
        rng.push_digits(&mut account, len);
        account.push_str("@qq.com");
    }
    account
}

fn security_products(rng: &mut Rng) -> Vec<SecurityProduct> {
    if rng.chance(NO_SECURITY_PRODUCT) {
        return Vec::new();
    }
    const ALL: [SecurityProduct; 3] = [
        SecurityProduct::DigitalCertificate,
        SecurityProduct::PaymentShield,
        SecurityProduct::Token,
    ];
    // Certificates are the most common, then the shield, then the token; some use two.
    let first = match rng.below(10) {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    };
    let mut products = vec![ALL[first]];
    if rng.chance(0.2) {
        products.push(ALL[(first + 1 + rng.below(2)) % 3]);
    }
    products
}

// ---- the website ----

fn website(
    rng: &mut Rng,
    product: &ProductChoice,
    city: &City,
    enterprise: bool,
    domain: &str,
) -> Website {
    // Mostly shops; login, forum and information sites are what the other checks are for.
    let kind = match rng.below(20) {
        0..=11 => SiteKind::Shop,
        12..=14 => SiteKind::Login,
        15..=16 => SiteKind::Forum,
        _ => SiteKind::Info,
    };

    let taobao = rng.chance(TAOBAO_SHOP);
    let url = if taobao {
        taobao_url(rng, domain)
    } else {
        site_url(rng, kind, product, domain)
    };

    // A Taobao shop has no filing of its own.
    let icp = if taobao {
        None
    } else if product.icp_required {
        if rng.chance(ICP_MISSING) {
            None
        } else if rng.chance(ICP_MALFORMED / (1.0 - ICP_MISSING)) {
            // Conditional on not missing, so that ICP_MALFORMED is the overall share.
            Some(malformed_icp(rng, city.province))
        } else {
            Some(icp_number(rng, city.province, enterprise))
        }
    } else {
        rng.chance(ICP_SHOWN_ANYWAY)
            .then(|| icp_number(rng, city.province, enterprise))
    };

    let (test_account, test_password) = if kind == SiteKind::Login {
        test_credentials(rng, domain)
    } else {
        (None, None)
    };

    Website {
        url,
        kind,
        built: !rng.chance(WEBSITE_NOT_BUILT),
        icp,
        test_account,
        test_password,
    }
}

/// The merchant's own site: mostly www., with subdomains that fit the kind of site.
fn site_url(rng: &mut Rng, kind: SiteKind, product: &ProductChoice, domain: &str) -> String {
    let mut url = String::with_capacity(48);
    url.push_str(if rng.chance(0.8) {
        "https://"
    } else {
        "http://"
    });
    let host_prefix = match (kind, product.code.as_str()) {
        (_, "mobile_website_pay") => "m.",
        (SiteKind::Forum, _) if rng.chance(0.6) => "bbs.",
        (SiteKind::Shop, _) if rng.chance(0.15) => "shop.",
        (SiteKind::Login, _) if rng.chance(0.2) => "member.",
        _ if rng.chance(0.15) => "",
        _ => "www.",
    };
    url.push_str(host_prefix);
    url.push_str(domain);
    if rng.chance(0.2) {
        url.push('/');
    }
    url
}

/// A Taobao or Tmall shop or item, in the shapes applicants paste.
fn taobao_url(rng: &mut Rng, domain: &str) -> String {
    let shop_name = domain.split('.').next().unwrap_or(domain);
    let mut url = String::with_capacity(48);
    match rng.below(7) {
        0 => {
            let _ = write!(url, "https://{shop_name}.taobao.com");
        }
        1 => {
            url.push_str("https://shop");
            let len = 8 + rng.below(2);
            rng.push_digits(&mut url, len);
            url.push_str(".taobao.com/");
        }
        2 => {
            let _ = write!(url, "https://{shop_name}.tmall.com/");
        }
        3 => {
            url.push_str("https://item.taobao.com/item.htm?id=6");
            rng.push_digits(&mut url, 11);
        }
        4 => {
            url.push_str("https://detail.tmall.com/item.htm?id=7");
            rng.push_digits(&mut url, 11);
            url.push_str("&spm=a220m.1000858");
        }
        5 => {
            url.push_str("https://m.tb.cn/h.");
            for _ in 0..7 {
                url.push(char::from(*rng.pick(SHORT_LINK_CHARS)));
            }
        }
        _ => {
            let _ = write!(url, "{shop_name}.taobao.com");
        }
    }
    url
}

/// A well-formed filing number of the site's province: old eight-digit serials, the newer
/// ten-digit ones that start with the year, or (companies only) an operating licence (B2-).
fn icp_number(rng: &mut Rng, province: &str, enterprise: bool) -> String {
    let mut icp = String::with_capacity(32);
    icp.push_str(province);
    match rng.below(if enterprise { 20 } else { 19 }) {
        0..=8 => {
            icp.push_str("ICP备");
            let _ = write!(icp, "{:02}", 5 + rng.below(14));
            rng.push_digits(&mut icp, 6);
            icp.push('号');
            if rng.chance(0.7) {
                let _ = write!(icp, "-{}", 1 + rng.below(5));
            }
        }
        9..=18 => {
            icp.push_str("ICP备");
            let _ = write!(icp, "{}", 2019 + rng.below(6));
            rng.push_digits(&mut icp, 6);
            icp.push('号');
            if rng.chance(0.5) {
                let _ = write!(icp, "-{}", 1 + rng.below(3));
            }
        }
        _ => {
            icp.push_str("B2-");
            let _ = write!(icp, "{}", 2008 + rng.below(16));
            rng.push_digits(&mut icp, 4);
        }
    }
    icp
}

/// Filing numbers as applicants get them wrong: too few digits, no province, no 号, and so on.
fn malformed_icp(rng: &mut Rng, province: &str) -> String {
    let mut icp = String::with_capacity(32);
    match rng.below(5) {
        0 => {
            let _ = write!(icp, "{province}ICP备");
            rng.push_digits(&mut icp, 5);
            icp.push('号');
        }
        1 => {
            icp.push_str("ICP备");
            rng.push_digits(&mut icp, 8);
            icp.push_str("号-1");
        }
        2 => {
            let _ = write!(icp, "{province}ICP备");
            rng.push_digits(&mut icp, 8);
        }
        3 => {
            let _ = write!(icp, "{province}备");
            rng.push_digits(&mut icp, 8);
            icp.push('号');
        }
        _ => {
            let _ = write!(icp, "{province}ICP备");
            rng.push_digits(&mut icp, 9);
            icp.push('号');
        }
    }
    icp
}

/// Test credentials for a login site; some applicants leave them out, or give half.
fn test_credentials(rng: &mut Rng, domain: &str) -> (Option<String>, Option<String>) {
    if rng.chance(LOGIN_WITHOUT_CREDENTIALS) {
        return match rng.below(10) {
            0 => (Some(rng.pick(TEST_ACCOUNTS).to_string()), None),
            1 => (None, Some(password(rng))),
            _ => (None, None),
        };
    }
    let account = if rng.chance(0.3) {
        format!("test@{domain}")
    } else {
        format!("{}{:02}", rng.pick(TEST_ACCOUNTS), rng.below(100))
    };
    (Some(account), Some(password(rng)))
}

fn password(rng: &mut Rng) -> String {
    let mut password = String::with_capacity(12);
    password.push_str(rng.pick_word(&["Test@", "Shenhe#", "Abc", "Pay_", "Review!"]));
    let digits = 4 + rng.below(3);
    rng.push_digits(&mut password, digits);
    password
}

// ---- materials and payment ----

/// The documents real-name verification asks for, with references of the right shape; some
/// applicants forget the ID back or the authorisation letter.
fn materials(
    rng: &mut Rng,
    applicant: &Applicant,
    city: &City,
    qualified: Option<&str>,
) -> Vec<Material> {
    let mut materials = Vec::with_capacity(6);
    let mut add = |kind: MaterialKind, reference: String| {
        materials.push(Material {
            kind,
            reference,
            category: None,
        })
    };
    let enterprise = applicant.kind == ApplicantKind::Enterprise;
    if enterprise {
        let district = rng.pick(city.districts);
        add(MaterialKind::BusinessLicence, credit_code(rng, district));
    }
    // The ID is the contact's: born anywhere, so any city's district.
    let birthplace = rng.pick(CITIES);
    let district = rng.pick(birthplace.districts);
    add(MaterialKind::IdCardFront, masked_id_number(rng, district));
    if !rng.chance(ID_BACK_MISSING) {
        add(MaterialKind::IdCardBack, id_card_back(rng, birthplace));
    }
    if applicant.needs_authorisation_letter() && !rng.chance(LETTER_FORGOTTEN) {
        add(
            MaterialKind::AuthorisationLetter,
            format!("企业委托授权书_{}.pdf", applicant.contact),
        );
    }
    add(
        MaterialKind::BankAccount,
        bank_account(rng, enterprise.then_some(city)),
    );

    if let Some(category) = qualified {
        let document = QUALIFICATION_DOCUMENTS
            .iter()
            .find(|(id, _)| *id == category)
            .map_or("资质证明", |(_, name)| *name);
        let mut reference = String::with_capacity(48);
        let _ = write!(reference, "{document} {}", city.province);
        rng.push_digits(&mut reference, 10);
        materials.push(Material {
            kind: MaterialKind::Qualification,
            reference,
            category: Some(category.to_string()),
        });
    }
    materials
}

/// An 18-character unified social credit code (统一社会信用代码) of an enterprise
/// registered with the market regulator, with both check characters computed.
fn credit_code(rng: &mut Rng, district: &str) -> String {
    // Organisation code (GB 11714): eight characters and a check character. Companies
    // registered since 2015 have codes starting "MA".
    let mut organisation = [0u8; 9];
    let new_style = rng.chance(0.7);
    if new_style {
        organisation[..2].copy_from_slice(b"MA");
        for c in &mut organisation[2..8] {
            *c = *rng.pick(CREDIT_CODE_CHARS);
        }
    } else {
        for c in &mut organisation[..8] {
            *c = b'0' + rng.below(10) as u8;
        }
    }
    let value = |c: u8| {
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        }
    };
    let sum: u32 = organisation[..8]
        .iter()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(&c, w)| value(c) * w)
        .sum();
    organisation[8] = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        digit => b'0' + digit as u8,
    };

    // The whole code (GB 32100): "9" market regulator, "1" enterprise, district, organisation code.
    let mut code = String::with_capacity(18);
    code.push_str("91");
    code.push_str(district);
    code.extend(organisation.iter().map(|&c| char::from(c)));
    let position = |c: u8| {
        CREDIT_CODE_CHARS
            .iter()
            .position(|&x| x == c)
            .expect("code characters") as u32
    };
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = code
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| position(c) * w)
        .sum();
    code.push(char::from(
        CREDIT_CODE_CHARS[((31 - sum % 31) % 31) as usize],
    ));
    code
}

/// An ID number as documents show it: district, masked birth date, last four.
fn masked_id_number(rng: &mut Rng, district: &str) -> String {
    let mut number = String::with_capacity(18);
    number.push_str(district);
    number.push_str("********");
    rng.push_digits(&mut number, 3);
    // The check character is X one time in eleven.
    number.push(if rng.below(11) == 10 {
        'X'
    } else {
        char::from(b'0' + rng.below(10) as u8)
    });
    number
}

/// The back of an ID card: the issuing police bureau and the validity period, which runs
/// ten or twenty years from the issue date, or is long-term (长期) for older people.
fn id_card_back(rng: &mut Rng, birthplace: &City) -> String {
    let year = 2010 + rng.below(15);
    // Days 1-28 exist in every month.
    let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
    let mut text = String::with_capacity(48);
    let _ = write!(
        text,
        "{}市公安局 {year}.{month:02}.{day:02}-",
        birthplace.name
    );
    if rng.chance(0.1) {
        text.push_str("长期");
    } else {
        let years = if rng.chance(0.2) { 10 } else { 20 };
        let _ = write!(text, "{}.{month:02}.{day:02}", year + years);
    }
    text
}

/// A bank account, masked: a personal card, or a corporate account at a city branch.
fn bank_account(rng: &mut Rng, corporate_city: Option<&City>) -> String {
    let (bank, card_prefix) = rng.pick(BANKS);
    let mut text = String::with_capacity(48);
    text.push_str(bank);
    match corporate_city {
        Some(city) => {
            let _ = write!(text, "{}分行 ", city.name);
            rng.push_digits(&mut text, 4);
        }
        None => {
            text.push(' ');
            text.push_str(card_prefix);
        }
    }
    text.push_str("****");
    rng.push_digits(&mut text, 4);
    text
}

/// Packages are paid with the application, usually in full; tiered plans pay nothing.
fn payment(rng: &mut Rng, price_yuan: Option<u32>) -> Option<Payment> {
    let Some(price) = price_yuan else {
        return rng.chance(TIERED_WITH_PAYMENT).then_some(Payment {
            method: PaymentMethod::OnlineBanking,
            paid: true,
            amount_yuan: 600,
        });
    };
    if rng.chance(PACKAGE_WITHOUT_PAYMENT) {
        return None;
    }
    if rng.chance(PACKAGE_UNPAID) {
        // Offline payments are the ones that have not arrived yet.
        let method = if rng.chance(0.7) {
            PaymentMethod::BankTransfer
        } else {
            PaymentMethod::PostalRemittance
        };
        return Some(Payment {
            method,
            paid: false,
            amount_yuan: price,
        });
    }
    let method = match rng.below(10) {
        0..=4 => PaymentMethod::OnlineBanking,
        5..=7 => PaymentMethod::AlipayCard,
        8 => PaymentMethod::BankTransfer,
        _ => PaymentMethod::PostalRemittance,
    };
    let amount_yuan = if rng.chance(PACKAGE_UNDERPAID) {
        // A smaller package's price, or a transfer fee taken off the amount.
        if price > 600 && rng.chance(0.5) {
            600
        } else {
            price - 20
        }
    } else {
        price
    };
    Some(Payment {
        method,
        paid: true,
        amount_yuan,
    })
}

fn cumulative(weights: impl Iterator<Item = u32>) -> Vec<u32> {
    weights
        .scan(0, |total, weight| {
            *total += weight;
            Some(*total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use chrono::{Duration, TimeZone};

    use super::*;
    use shenhe_domain::checks::{Outcome, evaluate, is_taobao_url, validate_icp};

    fn now() -> DateTime<FixedOffset> {
        china().with_ymd_and_hms(2025, 11, 19, 15, 30, 0).unwrap()
    }

    fn applications(seed: u64, count: u64) -> (Policy, Vec<Application>) {
        let policy = Policy::builtin();
        let mut generator = Generator::new(&policy, seed, now());
        let apps = (0..count).map(|i| generator.application(i)).collect();
        (policy, apps)
    }

    fn ndjson(seed: u64, count: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_ndjson(&Policy::builtin(), seed, now(), count, &mut out).unwrap();
        out
    }

    #[test]
    fn same_seed_same_output_different_seed_different_output() {
        let first = ndjson(7, 300);
        assert_eq!(first, ndjson(7, 300));
        assert_ne!(first, ndjson(8, 300));
        // And an application does not depend on the ones made before it.
        let (_, apps) = applications(7, 300);
        let mut generator = Generator::new(&Policy::builtin(), 7, now());
        assert_eq!(generator.application(299), apps[299]);
    }

    #[test]
    fn chunks_made_on_several_cores_come_out_in_order() {
        let count = 2 * CHUNK + 17;
        let out = String::from_utf8(ndjson(5, count)).unwrap();
        let mut generator = Generator::new(&Policy::builtin(), 5, now());
        let mut lines = 0;
        for (index, line) in out.lines().enumerate() {
            let expected = serde_json::to_string(&generator.application(index as u64)).unwrap();
            assert_eq!(line, expected, "line {index}");
            lines += 1;
        }
        assert_eq!(lines, count);
    }

    #[test]
    fn output_is_one_application_per_line() {
        let out = String::from_utf8(ndjson(3, 200)).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 200);
        let (_, apps) = applications(3, 200);
        for (line, app) in lines.iter().zip(&apps) {
            let parsed: Application = serde_json::from_str(line).unwrap();
            assert_eq!(&parsed, app);
        }
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let (_, apps) = applications(1, 10_000);
        let mut seen = HashSet::new();
        for app in &apps {
            assert!(app.id.len() <= 40, "{}", app.id);
            assert!(
                app.id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                "{}",
                app.id
            );
            assert!(seen.insert(app.id.clone()), "duplicate id {}", app.id);
        }
    }

    #[test]
    fn every_product_and_plan_appears() {
        let (policy, apps) = applications(2, 2_000);
        let products: HashSet<&str> = apps.iter().map(|a| a.product.as_str()).collect();
        let plans: HashSet<&str> = apps.iter().map(|a| a.plan.as_str()).collect();
        for product in &policy.products {
            assert!(
                products.contains(product.code.as_str()),
                "no application for {}",
                product.code
            );
        }
        for plan in &policy.plans {
            assert!(
                plans.contains(plan.id.as_str()),
                "no application on plan {}",
                plan.id
            );
        }
    }

    #[test]
    fn applications_are_valid_for_the_policy() {
        let (policy, apps) = applications(4, 5_000);
        for app in &apps {
            let product = policy.product(&app.product).expect("known product");
            assert!(
                product.plans.contains(&app.plan),
                "{}: plan {} not allowed for {}",
                app.id,
                app.plan,
                app.product
            );
            let plan = policy.plan(&app.plan).expect("known plan");
            for category in &app.goods {
                assert!(
                    policy.goods_category(category).is_some(),
                    "{}: unknown goods {category}",
                    app.id
                );
            }
            assert!(!app.goods.is_empty());
            if let (Some(price), Some(payment)) = (plan.price_yuan, &app.payment) {
                assert!(payment.amount_yuan <= price);
            }
            let applicant = &app.applicant;
            match applicant.kind {
                ApplicantKind::Enterprise => {
                    assert!(applicant.name.ends_with("有限公司"), "{}", applicant.name);
                    assert!(applicant.legal_representative.is_some());
                }
                ApplicantKind::Individual => assert_eq!(applicant.legal_representative, None),
            }
            for material in &app.materials {
                match material.kind {
                    MaterialKind::BusinessLicence => assert!(
                        credit_code_is_valid(&material.reference),
                        "{}",
                        material.reference
                    ),
                    MaterialKind::IdCardFront => {
                        assert_eq!(material.reference.chars().count(), 18);
                        assert_eq!(&material.reference[6..14], "********");
                    }
                    MaterialKind::Qualification => {
                        let category = material.category.as_deref().expect("names its category");
                        assert!(app.goods.iter().any(|g| g == category));
                    }
                    _ => assert!(!material.reference.is_empty()),
                }
            }
            // Clean data: nothing a terminal would need to escape.
            let json = serde_json::to_string(app).unwrap();
            assert!(!json.chars().any(|c| c.is_control()), "{json}");
        }
    }

    #[test]
    fn settlement_products_usually_have_no_website() {
        let (policy, apps) = applications(5, 5_000);
        let settlement: Vec<&Application> = apps
            .iter()
            .filter(|a| policy.product(&a.product).unwrap().kind == ProductKind::Settlement)
            .collect();
        let with_site = settlement.iter().filter(|a| a.website.is_some()).count();
        assert!(!settlement.is_empty());
        assert!(
            with_site * 5 < settlement.len(),
            "{with_site} of {}",
            settlement.len()
        );
    }

    /// The share of applications failing each check, and of other problems, is a few percent.
    #[test]
    fn problems_occur_in_plausible_shares() {
        let (policy, apps) = applications(6, 10_000);
        let mut failed: BTreeMap<&str, usize> = BTreeMap::new();
        // Applications whose product the check applies to (a login check on a shop included).
        let mut applicable: BTreeMap<&str, usize> = BTreeMap::new();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for app in &apps {
            for result in evaluate(&policy, app) {
                if policy
                    .check_rule(result.id)
                    .unwrap()
                    .products
                    .contains(&app.product)
                {
                    *applicable.entry(result.id.id()).or_default() += 1;
                }
                if result.outcome == Outcome::Fail {
                    *failed.entry(result.id.id()).or_default() += 1;
                    *reasons.entry(result.reason.unwrap()).or_default() += 1;
                }
            }
        }
        let share = |id: &str| failed.get(id).copied().unwrap_or(0) as f64 / applicable[id] as f64;
        let expected: &[(&str, f64, f64)] = &[
            ("real_name_verified", 0.03, 0.08),
            ("materials_complete", 0.04, 0.12),
            ("security_product", 0.02, 0.07),
            // Only packages can fail it, about a third of the applications.
            ("prepayment", 0.01, 0.05),
            ("website_built", 0.02, 0.07),
            ("not_taobao_shop", 0.03, 0.08),
            // Missing, malformed, or a Taobao shop that has no filing of its own.
            ("icp_filing", 0.06, 0.16),
            ("test_credentials", 0.02, 0.08),
            ("goods_allowed", 0.04, 0.10),
        ];
        for &(id, low, high) in expected {
            let s = share(id);
            assert!(
                (low..=high).contains(&s),
                "{id}: {:.1}% fail, expected {low}..{high}; {failed:?} of {applicable:?}",
                s * 100.0
            );
        }
        // Both kinds of goods failure, and qualified restricted goods that pass.
        assert!(
            reasons["prohibited_goods"] > 50 && reasons["restricted_no_qualification"] > 50,
            "{reasons:?}"
        );
        let qualified = apps
            .iter()
            .filter(|a| a.has_material(MaterialKind::Qualification))
            .count();
        assert!(qualified > 100, "{qualified}");
        // Forum sites are judged by a person; there are some to judge.
        let forums = apps
            .iter()
            .filter(|a| {
                a.website
                    .as_ref()
                    .is_some_and(|w| w.kind == SiteKind::Forum)
            })
            .count();
        assert!(forums > 100, "{forums}");
        // Most applications are clean.
        let clean = apps
            .iter()
            .filter(|a| {
                evaluate(&policy, a)
                    .iter()
                    .all(|r| r.outcome != Outcome::Fail)
            })
            .count();
        assert!(clean * 2 > apps.len(), "{clean} clean");
    }

    #[test]
    fn submissions_spread_over_the_four_weeks_before_now() {
        let (_, apps) = applications(8, 10_000);
        let earliest = now() - Duration::days(WINDOW_DAYS as i64);
        let mut in_last_day = 0;
        let mut older_than_15_days = 0;
        let mut office_hours = 0;
        for app in &apps {
            let at = app.submitted_at;
            assert!(at <= now() && at >= earliest, "{at}");
            assert_eq!(at.offset().local_minus_utc(), 8 * 3600);
            assert!(app.id.contains(&at.format("%Y%m%d").to_string()));
            in_last_day += usize::from(now() - at < Duration::days(1));
            older_than_15_days += usize::from(now() - at > Duration::days(15));
            office_hours += usize::from((9..18).contains(&chrono::Timelike::hour(&at)));
        }
        // Recent days are busier than the average day, and some are old enough to expire.
        assert!(in_last_day > apps.len() / WINDOW_DAYS, "{in_last_day}");
        assert!(older_than_15_days > apps.len() / 10, "{older_than_15_days}");
        assert!(office_hours * 2 > apps.len(), "{office_hours}");
    }

    #[test]
    fn unverified_accounts_include_some_old_enough_to_expire() {
        let (_, apps) = applications(9, 10_000);
        let expired = apps
            .iter()
            .filter(|a| !a.applicant.verified && now() - a.submitted_at > Duration::days(15))
            .count();
        assert!(expired > 20, "{expired}");
    }

    #[test]
    fn icp_numbers_are_well_formed_or_deliberately_not() {
        let mut rng = Rng::new(1);
        for city in CITIES {
            for _ in 0..200 {
                let good = icp_number(&mut rng, city.province, true);
                assert_eq!(validate_icp(&good), Ok(()), "{good}");
                assert!(good.starts_with(city.province));
                let bad = malformed_icp(&mut rng, city.province);
                assert!(validate_icp(&bad).is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn icp_numbers_match_the_company_province() {
        let (_, apps) = applications(10, 3_000);
        let mut checked = 0;
        for app in apps
            .iter()
            .filter(|a| a.applicant.kind == ApplicantKind::Enterprise)
        {
            let Some(icp) = app.website.as_ref().and_then(|w| w.icp.as_deref()) else {
                continue;
            };
            if validate_icp(icp).is_err() {
                continue;
            }
            let city = CITIES
                .iter()
                .find(|c| app.applicant.name.starts_with(c.name))
                .expect("a known city");
            assert!(
                icp.starts_with(city.province),
                "{} {icp}",
                app.applicant.name
            );
            checked += 1;
        }
        assert!(checked > 500, "{checked}");
    }

    #[test]
    fn taobao_urls_are_recognised_and_own_sites_are_not() {
        let mut rng = Rng::new(2);
        let policy = Policy::builtin();
        let generator = Generator::new(&policy, 0, now());
        for product in &generator.products {
            for _ in 0..100 {
                let taobao = taobao_url(&mut rng, "yunfan.com.cn");
                assert!(is_taobao_url(&taobao), "{taobao}");
                let own = site_url(&mut rng, SiteKind::Shop, product, "yunfan.com.cn");
                assert!(!is_taobao_url(&own), "{own}");
            }
        }
    }

    #[test]
    fn credit_codes_carry_valid_check_characters() {
        // A published example code, to check the checker.
        assert!(credit_code_is_valid("91350100M000100Y43"));
        assert!(!credit_code_is_valid("91350100M000100Y44"));
        let mut rng = Rng::new(3);
        for _ in 0..1_000 {
            let code = credit_code(&mut rng, "330106");
            assert!(credit_code_is_valid(&code), "{code}");
        }
    }

    /// GB 32100 and GB 11714 check characters, written independently of the generator.
    fn credit_code_is_valid(code: &str) -> bool {
        let bytes = code.as_bytes();
        if bytes.len() != 18 || !bytes.iter().all(|b| CREDIT_CODE_CHARS.contains(b)) {
            return false;
        }
        let index = |b: &u8| CREDIT_CODE_CHARS.iter().position(|c| c == b).unwrap() as u32;
        let mut weight = 1;
        let mut sum = 0;
        for b in &bytes[..17] {
            sum += index(b) * weight;
            weight = weight * 3 % 31;
        }
        let organisation = &bytes[8..17];
        let value = |b: &u8| {
            if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            }
        };
        let sum9: u32 = organisation[..8]
            .iter()
            .zip([3, 7, 9, 10, 5, 8, 4, 2])
            .map(|(b, w)| value(b) * w)
            .sum();
        let check9 = match 11 - sum9 % 11 {
            10 => b'X',
            11 => b'0',
            d => b'0' + d as u8,
        };
        CREDIT_CODE_CHARS[((31 - sum % 31) % 31) as usize] == bytes[17] && organisation[8] == check9
    }
}
