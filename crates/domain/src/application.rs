//! An application (订单) as the merchant submitted it. Every string in here came from the
//! applicant and is untrusted: it reaches a terminal only through `crate::text`.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// One submitted application, in the shape of the import format (`docs/import-format.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub id: String,
    /// When the merchant submitted this revision; the review clock starts here.
    #[serde(with = "rfc3339")]
    pub submitted_at: DateTime<FixedOffset>,
    pub applicant: Applicant,
    #[serde(default)]
    pub materials: Vec<Material>,
    /// A product code of `data/products.toml`.
    pub product: String,
    /// A plan id of `data/products.toml` allowed for the product; empty (absent in the
    /// import) for a product without plans.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "String::is_empty"
    )]
    pub plan: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<Website>,
    /// Goods or service categories of `data/goods.toml` the merchant sells or offers.
    #[serde(default)]
    pub goods: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// 企业认证
    Enterprise,
    /// 个人认证
    Individual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub kind: ApplicantKind,
    /// The merchant: company name for an enterprise, the person's name for an individual.
    pub name: String,
    /// The payment account that receives and pays money (email or mobile number).
    pub account: String,
    /// Whether the account passed real-name verification (实名认证).
    pub verified: bool,
    /// 法定代表人 (enterprise only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    /// The person who filled in the application (申请人).
    pub contact: String,
    /// Security products in use on the account.
    #[serde(default)]
    pub security: Vec<SecurityProduct>,
}

impl Applicant {
    /// An enterprise applicant who is not the legal representative needs an authorisation letter.
    pub fn needs_authorisation_letter(&self) -> bool {
        self.kind == ApplicantKind::Enterprise
            && self.legal_representative.as_deref().map(str::trim) != Some(self.contact.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityProduct {
    /// 数字证书
    DigitalCertificate,
    /// 支付盾
    PaymentShield,
    /// 宝令
    Token,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialKind {
    /// 营业执照
    BusinessLicence,
    /// 身份证正面
    IdCardFront,
    /// 身份证反面
    IdCardBack,
    /// 企业委托授权书
    AuthorisationLetter,
    /// 银行对公账户 / 个人银行账户
    BankAccount,
    /// 资质证明 for a restricted goods category
    Qualification,
}

impl MaterialKind {
    pub const ALL: [MaterialKind; 6] = [
        MaterialKind::BusinessLicence,
        MaterialKind::IdCardFront,
        MaterialKind::IdCardBack,
        MaterialKind::AuthorisationLetter,
        MaterialKind::BankAccount,
        MaterialKind::Qualification,
    ];

    pub fn id(self) -> &'static str {
        match self {
            MaterialKind::BusinessLicence => "business_licence",
            MaterialKind::IdCardFront => "id_card_front",
            MaterialKind::IdCardBack => "id_card_back",
            MaterialKind::AuthorisationLetter => "authorisation_letter",
            MaterialKind::BankAccount => "bank_account",
            MaterialKind::Qualification => "qualification",
        }
    }
}

/// A submitted document. Presence in the list means it was submitted; what is required
/// and missing is worked out by the `materials_complete` check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub kind: MaterialKind,
    /// Its number or reference: licence number, masked ID number, bank account, file name.
    pub reference: String,
    /// For a qualification document: the goods category it qualifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// 网银
    OnlineBanking,
    /// 支付宝卡通
    AlipayCard,
    /// 线下银行转账
    BankTransfer,
    /// 邮局汇款
    PostalRemittance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub method: PaymentMethod,
    pub paid: bool,
    /// Amount in yuan.
    pub amount_yuan: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// Sells goods or services.
    Shop,
    /// Content behind a login: needs test credentials for the review.
    Login,
    /// A forum: needs content not posted by the site itself.
    Forum,
    /// Information only.
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Website {
    pub url: String,
    pub kind: SiteKind,
    /// Whether the applicant declares the site complete and built.
    pub built: bool,
    /// ICP filing (备案) or licence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_account: Option<String>,
    /// Secret: masked everywhere unless a reviewer deliberately reveals it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_password: Option<String>,
}

impl Application {
    pub fn has_material(&self, kind: MaterialKind) -> bool {
        self.materials.iter().any(|m| m.kind == kind)
    }

    pub fn url(&self) -> Option<&str> {
        self.website.as_ref().map(|w| w.url.as_str())
    }
}

/// Instants are written and read as RFC 3339 with their offset, nothing more lenient.
/// A string that may be given as `null` (or left out): empty.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

pub mod rfc3339 {
    use chrono::{DateTime, FixedOffset, SecondsFormat};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text).map_err(|e| {
            serde::de::Error::custom(format!("`{text}` is not an RFC 3339 date-time: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_ids_are_their_serde_names() {
        for kind in MaterialKind::ALL {
            let json = serde_json::to_value(kind).expect("serialise");
            assert_eq!(json, serde_json::Value::from(kind.id()), "{kind:?}");
        }
    }
}
