//! Saved views of the queue (issue 14): a combination of filters, a sort and a search,
//! kept per reviewer under a name, shown as tabs and switched with 1…9.

use serde::{Deserialize, Serialize};

use crate::queue::{Filter, Sort};
use crate::{Review, ReviewError, ReviewResult};

/// What a saved view shows. Its JSON is what the database keeps: fields are only added.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ViewSpec {
    /// Every one of them holds (see [`crate::queue::combined`]).
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub sort: Sort,
    #[serde(default)]
    pub search: String,
    /// The reviewer's own applications first (issue 14).
    #[serde(default)]
    pub mine_first: bool,
}

/// A view as saved: its name, its place among the tabs (from 1), what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub name: String,
    pub position: u32,
    pub spec: ViewSpec,
}

/// The longest name a tab shows whole.
pub const VIEW_NAME_CHARS: usize = 20;

fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=VIEW_NAME_CHARS).contains(&n) && !name.chars().any(char::is_control) && name.trim() == name
}

impl Review {
    /// The acting reviewer's saved views, by position. A view whose filter this version
    /// cannot read (saved by a newer one) is left out rather than shown wrong.
    pub fn saved_views(&self) -> ReviewResult<Vec<SavedView>> {
        Ok(self
            .store
            .saved_views(&self.actor)?
            .into_iter()
            .filter_map(|v| {
                serde_json::from_str(&v.filter).ok().map(|spec| SavedView {
                    name: v.name,
                    position: v.position,
                    spec,
                })
            })
            .collect())
    }

    /// Saves `spec` under `name` for the acting reviewer (replacing a view of that name).
    pub fn save_view(&mut self, name: &str, spec: &ViewSpec) -> ReviewResult<()> {
        if !valid_name(name) {
            return Err(ReviewError::BadViewName {
                name: name.to_string(),
            });
        }
        let json = serde_json::to_string(spec).expect("view specs serialise");
        Ok(self.store.put_saved_view(&self.actor, name, Some(&json))?)
    }

    /// Removes the acting reviewer's view `name`.
    pub fn delete_view(&mut self, name: &str) -> ReviewResult<()> {
        Ok(self.store.put_saved_view(&self.actor, name, None)?)
    }
}
