//! Diffs between two versions of a keyed list, for lists the server sends whole (the chat
//! list). Same keys in the same order: one `Set` per changed row; otherwise one `Reset`.

use crate::diff::ListDiff;

pub fn between<T: Clone + PartialEq, K: PartialEq>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> K,
) -> Vec<ListDiff<T>> {
    let same_shape = old.len() == new.len() && old.iter().zip(new).all(|(a, b)| key(a) == key(b));
    if !same_shape {
        return vec![ListDiff::Reset {
            items: new.to_vec(),
        }];
    }
    old.iter()
        .zip(new)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(index, (_, b))| ListDiff::Set {
            index,
            item: b.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_rows_are_sets_and_moved_rows_a_reset() {
        let key = |pair: &(char, u32)| pair.0;
        assert!(between(&[('a', 1)], &[('a', 1)], key).is_empty());
        assert_eq!(
            between(&[('a', 1), ('b', 1)], &[('a', 1), ('b', 2)], key),
            vec![ListDiff::Set {
                index: 1,
                item: ('b', 2)
            }]
        );
        assert_eq!(
            between(&[('a', 1), ('b', 1)], &[('b', 1), ('a', 1)], key),
            vec![ListDiff::Reset {
                items: vec![('b', 1), ('a', 1)]
            }]
        );
    }
}
