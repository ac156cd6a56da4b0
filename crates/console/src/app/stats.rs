//! The lead's statistics screen (issue 14): `t` from the queue opens it and asks the
//! worker to count; `r` counts again; Esc goes back to the queue as it was.

use super::*;

impl App {
    pub(super) fn open_stats(&mut self) -> Vec<Request> {
        self.screen = Screen::Stats;
        vec![Request::Stats]
    }

    pub(super) fn stats_action(&mut self, action: Action) -> Vec<Request> {
        match action {
            Action::Back => {
                self.screen = Screen::Queue;
                Vec::new()
            }
            Action::Refresh => {
                self.status = Some(Status {
                    text: self.lang.stats().loading.to_string(),
                    error: false,
                });
                vec![Request::Stats]
            }
            _ => Vec::new(),
        }
    }
}

/// A bulk action's plan on screen: what it will do, what it skips, and for an
/// assignment, the reviewer chosen (j/k).
#[derive(Debug, Clone)]
pub struct BulkDialog {
    pub plan: shenhe_review::bulk::BulkPlan,
    pub reviewers: Vec<String>,
    pub cursor: usize,
}

impl BulkDialog {
    /// The reviewer an assignment goes to.
    pub fn assignee(&self) -> Option<&str> {
        match self.plan.kind {
            shenhe_review::bulk::BulkKind::Assign => {
                self.reviewers.get(self.cursor).map(String::as_str)
            }
            shenhe_review::bulk::BulkKind::Expire => None,
        }
    }
}

impl App {
    /// Space: marks (or unmarks) the selected application and moves down.
    pub(super) fn mark(&mut self) -> Vec<Request> {
        let Some(id) = self.queue.selected_row().map(|r| r.id.clone()) else {
            return Vec::new();
        };
        if !self.marks.remove(&id) {
            self.marks.insert(id);
        }
        self.move_by(1)
    }

    /// V: the first press starts a range at the selection; the second marks every row
    /// from there to the selection (the rows on hand: the screen and two on each side).
    pub(super) fn mark_range(&mut self) -> Vec<Request> {
        let here = self.queue.selected;
        match self.mark_anchor.take() {
            None => {
                if let Some(row) = self.queue.selected_row() {
                    self.status = Some(Status {
                        text: self.lang.range_from(&row.id),
                        error: false,
                    });
                    self.mark_anchor = Some(here);
                }
            }
            Some(anchor) => {
                for index in anchor.min(here)..=anchor.max(here) {
                    if let Some(row) = self.queue.row(index) {
                        self.marks.insert(row.id.clone());
                    }
                }
            }
        }
        Vec::new()
    }

    /// A or X: asks the worker what the action would do to the marked (or, with none
    /// marked, the selected) application; the dialog shows it before anything is done.
    pub(super) fn plan_bulk(&mut self, kind: shenhe_review::bulk::BulkKind) -> Vec<Request> {
        if kind == shenhe_review::bulk::BulkKind::Assign && !self.lead {
            self.error(error_message(
                self.lang,
                &ReviewError::NotLead {
                    actor: self.actor.clone(),
                },
            ));
            return Vec::new();
        }
        let ids: Vec<String> = if self.marks.is_empty() {
            self.queue
                .selected_row()
                .map(|r| vec![r.id.clone()])
                .unwrap_or_default()
        } else {
            self.marks.iter().cloned().collect()
        };
        if ids.is_empty() {
            return Vec::new();
        }
        vec![Request::PlanBulk { kind, ids }]
    }

    pub(super) fn show_bulk(
        &mut self,
        plan: shenhe_review::bulk::BulkPlan,
        reviewers: Vec<String>,
    ) -> Vec<Request> {
        // The reviewer's own name first: the usual assignment is "to me".
        let cursor = reviewers.iter().position(|r| *r == self.actor).unwrap_or(0);
        self.overlay = Overlay::Bulk(BulkDialog {
            plan,
            reviewers,
            cursor,
        });
        Vec::new()
    }

    pub(super) fn bulk_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::Bulk(dialog) = &mut self.overlay else {
            return Vec::new();
        };
        let count = dialog.reviewers.len().max(1);
        match action {
            Action::Down => dialog.cursor = super::dialogs::wrap(dialog.cursor, 1, count),
            Action::Up => dialog.cursor = super::dialogs::wrap(dialog.cursor, -1, count),
            Action::Back => self.overlay = Overlay::None,
            Action::Confirm => {
                let to = dialog.assignee().map(str::to_string);
                let plan = dialog.plan.clone();
                let assign = plan.kind == shenhe_review::bulk::BulkKind::Assign;
                self.overlay = Overlay::None;
                if assign && to.is_none() {
                    return Vec::new();
                }
                return vec![Request::Bulk { plan, to }];
            }
            _ => {}
        }
        Vec::new()
    }
}

impl App {
    /// Typing the name of the view to save; Enter saves it (to the worker), Esc does not.
    pub(super) fn view_name_action(&mut self, action: Action) -> Vec<Request> {
        let Overlay::ViewName(input) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Edit(request) => {
                input.handle(request);
                Vec::new()
            }
            Action::Back => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            Action::Confirm => {
                let name = input.value().trim().to_string();
                self.overlay = Overlay::None;
                if name.is_empty() {
                    return Vec::new();
                }
                let mut filters = vec![self.filter.clone()];
                filters.extend(self.also.iter().cloned());
                let spec = shenhe_review::views::ViewSpec {
                    filters,
                    sort: self.sort,
                    search: self.search.value().to_string(),
                    mine_first: self.mine_first,
                };
                vec![Request::SaveView { name, spec }]
            }
            _ => Vec::new(),
        }
    }

    /// 1…9: the saved view at that place, as a change `Esc` undoes.
    pub(super) fn switch_tab(&mut self, n: u8) -> Vec<Request> {
        let Some(view) = self.views.get(usize::from(n).saturating_sub(1)) else {
            return Vec::new();
        };
        let mut filters = view.spec.filters.clone();
        let target = View {
            filter: if filters.is_empty() {
                Filter::default()
            } else {
                filters.remove(0)
            },
            also: filters,
            sort: view.spec.sort,
            search: view.spec.search.clone(),
            mine_first: view.spec.mine_first,
        };
        if target == self.view() {
            return Vec::new();
        }
        self.remember_view();
        self.restore_view(target)
    }

    /// The tab of the saved view the queue shows now, if it shows one.
    pub fn active_tab(&self) -> Option<usize> {
        let now = self.view();
        self.views.iter().position(|v| {
            let mut filters = vec![now.filter.clone()];
            filters.extend(now.also.iter().cloned());
            v.spec.filters == filters
                && v.spec.sort == now.sort
                && v.spec.search == now.search
                && v.spec.mine_first == now.mine_first
        })
    }
}
