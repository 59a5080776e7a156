//! Changes to a list as the UI applies them: a snapshot once, then only what changed, so an
//! event that touches one row touches one row (the shape of matrix-rust-sdk's `VectorDiff`).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum ListDiff<T> {
    /// Replace everything.
    Reset {
        items: Vec<T>,
    },
    Append {
        items: Vec<T>,
    },
    /// Older items arrived (back-paging).
    PushFront {
        items: Vec<T>,
    },
    Insert {
        index: usize,
        item: T,
    },
    Set {
        index: usize,
        item: T,
    },
    Remove {
        index: usize,
    },
    /// The items `start..end` left the list at once: a timeline keeps only a window of
    /// messages around what is read, and drops the far end of it as it pages.
    RemoveRange {
        start: usize,
        end: usize,
    },
}

impl<T: Clone> ListDiff<T> {
    /// Applies the change to `list`; out-of-range indices are ignored rather than panicking
    /// (a consumer that missed a diff recovers at the next reset).
    pub fn apply(&self, list: &mut Vec<T>) {
        match self {
            ListDiff::Reset { items } => *list = items.clone(),
            ListDiff::Append { items } => list.extend(items.iter().cloned()),
            ListDiff::PushFront { items } => {
                list.splice(0..0, items.iter().cloned());
            }
            ListDiff::Insert { index, item } if *index <= list.len() => {
                list.insert(*index, item.clone())
            }
            ListDiff::Set { index, item } if *index < list.len() => list[*index] = item.clone(),
            ListDiff::Remove { index } if *index < list.len() => {
                list.remove(*index);
            }
            ListDiff::RemoveRange { start, end } if start <= end && *end <= list.len() => {
                list.drain(*start..*end);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ListDiff;

    #[test]
    fn diffs_rebuild_the_list() {
        let mut list = vec![];
        for diff in [
            ListDiff::Reset { items: vec![2, 3] },
            ListDiff::PushFront { items: vec![0, 1] },
            ListDiff::Append { items: vec![5] },
            ListDiff::Insert { index: 4, item: 4 },
            ListDiff::Set { index: 0, item: 10 },
            ListDiff::Remove { index: 1 },
            ListDiff::Remove { index: 99 },
        ] {
            diff.apply(&mut list);
        }
        assert_eq!(list, vec![10, 2, 3, 4, 5]);
        for diff in [
            ListDiff::RemoveRange { start: 1, end: 3 },
            ListDiff::RemoveRange { start: 2, end: 9 },
            ListDiff::RemoveRange { start: 2, end: 1 },
        ] {
            diff.apply(&mut list);
        }
        assert_eq!(list, vec![10, 4, 5]);
    }
}
