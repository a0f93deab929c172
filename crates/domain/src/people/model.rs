use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    pub id: i64,
    /// The 单元 (or building) the dwelling is in.
    pub unit_id: i64,
    /// Path of that unit; households are reached through it.
    pub path: String,
    /// Room / door number, e.g. `302`.
    pub room: String,
    pub address: String,
    /// own | rent | other
    pub dwelling: String,
    pub members: i64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewHousehold {
    pub unit_id: i64,
    pub room: String,
    pub address: String,
    pub dwelling: String,
}

/// A resident as stored: the personal data is ciphertext plus a blind index and a
/// precomputed mask, so lists never decrypt.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentRecord {
    pub id: i64,
    pub household_id: i64,
    pub path: String,
    pub name: String,
    pub id_enc: String,
    pub id_mask: String,
    pub phone_enc: Option<String>,
    pub phone_mask: Option<String>,
    pub birth_date: String,
    pub sex: String,
    pub ethnicity: String,
    pub relation: String,
    pub labels: Vec<String>,
    pub status: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewResident {
    pub household_id: i64,
    pub path: String,
    pub name: String,
    pub id_enc: String,
    pub id_index: String,
    pub id_mask: String,
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
    pub phone_mask: Option<String>,
    pub birth_date: String,
    pub sex: String,
    pub ethnicity: String,
    pub relation: String,
    pub labels: Vec<String>,
}

/// What screens and the API show: masked unless `revealed`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidentView {
    pub id: i64,
    pub household_id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub birth_date: String,
    pub age: i64,
    pub sex: String,
    pub ethnicity: String,
    pub relation: String,
    pub labels: Vec<String>,
    pub status: String,
    pub version: i64,
    pub revealed: bool,
}

/// A configurable care label (独居老人, 残疾人 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResidentFilter {
    /// Name fragment, or a whole ID number / phone (matched by blind index).
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
}

/// How a search is run in the store.
#[derive(Debug, Clone, PartialEq)]
pub enum ResidentQuery {
    All,
    NameLike(String),
    IdIndex(String),
    PhoneIndex(String),
}

/// One row of a people import: the dwelling by unit code and room, and the person
/// (household id and path are filled in by the store).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonImport {
    pub unit_code: String,
    pub room: String,
    pub address: String,
    pub dwelling: String,
    pub resident: NewResident,
}
