//! The gallery's open feeds and comment threads, and where each picture's bytes are: pure
//! model work under one lock, never held across an `.await`. Every change answers the diffs
//! to emit.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chatenium_api::schemas::common::{PublicUserData, Timestamp};
use chatenium_api::schemas::pictures::{Album, Comment, Picture, Preview, Thumbnail};
use serde::Serialize;

use crate::diff::ListDiff;

/// Which feed: the UI names one to open it, and every diff names the feed it changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum GalleryFeedKey {
    /// Discovery: the newest public pictures.
    Recent,
    /// Discovery: the most liked public pictures.
    MostLiked,
    /// All of a creator's pictures, newest first.
    Creator { userid: String },
    /// A creator's album, newest first.
    #[serde(rename_all = "camelCase")]
    Album { userid: String, album_id: String },
    /// A creator's pictures in no album, newest first.
    Unsorted { userid: String },
}

impl GalleryFeedKey {
    /// Whether `item` belongs in this feed: `None` where only the server knows (discovery).
    fn admits(&self, item: &GalleryItem) -> Option<bool> {
        match self {
            GalleryFeedKey::Recent | GalleryFeedKey::MostLiked => None,
            GalleryFeedKey::Creator { userid } => Some(item.owner == *userid),
            GalleryFeedKey::Album { userid, album_id } => {
                Some(item.owner == *userid && item.album_id.as_deref() == Some(album_id))
            }
            GalleryFeedKey::Unsorted { userid } => {
                Some(item.owner == *userid && item.album_id.is_none())
            }
        }
    }
}

/// A picture as a feed shows it: what a grid cell and the viewer need, without the signed
/// URLs (the window loads the bytes through the media scheme by `picture_id` and width).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GalleryItem {
    pub picture_id: String,
    pub owner: String,
    /// The owner's profile where the server sent it (discovery does).
    pub author: Option<PublicUserData>,
    pub album_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// A blurhash to paint before the thumbnail arrives.
    pub placeholder: Option<String>,
    /// The widths the media scheme serves as thumbnails, narrowest first.
    pub thumbnail_widths: Vec<u32>,
    pub likes: u32,
    /// Whether the user likes it; `None` where the server did not say (discovery).
    pub liked: Option<bool>,
    /// `None` where the server did not say (discovery).
    pub comment_count: Option<u32>,
    pub uploaded_at: Timestamp,
}

impl GalleryItem {
    /// Takes what `newer` does not know from the item it replaces (a picture read from an
    /// album has no author; a discovery preview no like of the user's).
    fn merged_over(mut self, older: &GalleryItem) -> GalleryItem {
        if self.author.is_none() {
            self.author = older.author.clone();
        }
        if self.liked.is_none() {
            self.liked = older.liked;
        }
        if self.comment_count.is_none() {
            self.comment_count = older.comment_count;
        }
        self
    }
}

impl From<&Picture> for GalleryItem {
    fn from(p: &Picture) -> Self {
        GalleryItem {
            picture_id: p.picture_id.clone(),
            owner: p.owner.clone(),
            author: None,
            album_id: p.album_id.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            width: p.width,
            height: p.height,
            placeholder: p.placeholder.clone(),
            thumbnail_widths: p.thumbnails.iter().map(|t| t.width).collect(),
            likes: p.likes,
            liked: Some(p.liked),
            comment_count: Some(p.comment_count),
            uploaded_at: p.uploaded_at,
        }
    }
}

impl From<&Preview> for GalleryItem {
    fn from(p: &Preview) -> Self {
        GalleryItem {
            picture_id: p.picture_id.clone(),
            owner: p.author.userid.clone(),
            author: Some(p.author.clone()),
            album_id: None,
            title: None,
            description: None,
            width: p.width,
            height: p.height,
            placeholder: p.placeholder.clone(),
            thumbnail_widths: p.thumbnails.iter().map(|t| t.width).collect(),
            likes: p.likes,
            liked: None,
            comment_count: None,
            uploaded_at: p.uploaded_at,
        }
    }
}

/// Where a picture's bytes are: the signed URLs the server last gave for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaLinks {
    pub original: String,
    /// (width, URL), narrowest first.
    pub thumbnails: Vec<(u32, String)>,
}

impl MediaLinks {
    fn new(original: &str, thumbnails: &[Thumbnail]) -> MediaLinks {
        let mut thumbnails: Vec<_> = thumbnails
            .iter()
            .map(|t| (t.width, t.path.clone()))
            .collect();
        thumbnails.sort_by_key(|(width, _)| *width);
        MediaLinks {
            original: original.to_owned(),
            thumbnails,
        }
    }

    /// What serves a request for `width` (0: the original): the narrowest thumbnail at least
    /// that wide, else the original. Answers the width served (0: the original) and its URL.
    pub fn for_width(&self, width: u32) -> (u32, &str) {
        if width == 0 {
            return (0, &self.original);
        }
        self.thumbnails
            .iter()
            .find(|(w, _)| *w >= width)
            .map(|(w, url)| (*w, url.as_str()))
            .unwrap_or((0, &self.original))
    }
}

/// One open feed: the whole list the server answered and how much of it the window shows.
struct OpenFeed {
    all: Vec<GalleryItem>,
    shown: usize,
    page_size: usize,
}

#[derive(Default)]
struct State {
    feeds: HashMap<GalleryFeedKey, OpenFeed>,
    /// Comment threads of the pictures the window opened, oldest first.
    comments: HashMap<String, Vec<Comment>>,
    links: HashMap<String, MediaLinks>,
    /// Album lists of the creators the window opened, newest first, by creator.
    albums: HashMap<String, Vec<Album>>,
}

/// The gallery state of one signed-in account (see the module docs).
#[derive(Default)]
pub struct Gallery {
    state: Mutex<State>,
}

pub type FeedDiff = (GalleryFeedKey, ListDiff<GalleryItem>);

impl Gallery {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers where the pictures' bytes are.
    pub fn learn_pictures(&self, pictures: &[Picture]) {
        let mut state = self.state();
        for p in pictures {
            state.links.insert(
                p.picture_id.clone(),
                MediaLinks::new(&p.path, &p.thumbnails),
            );
        }
    }

    pub fn learn_previews(&self, previews: &[Preview]) {
        let mut state = self.state();
        for p in previews {
            state.links.insert(
                p.picture_id.clone(),
                MediaLinks::new(&p.path, &p.thumbnails),
            );
        }
    }

    pub fn links(&self, picture_id: &str) -> Option<MediaLinks> {
        self.state().links.get(picture_id).cloned()
    }

    /// Opens (or reopens) a feed with the whole list `items`: answers its first page.
    pub fn open(
        &self,
        key: GalleryFeedKey,
        items: Vec<GalleryItem>,
        page_size: usize,
    ) -> Vec<GalleryItem> {
        let page_size = page_size.max(1);
        let shown = items.len().min(page_size);
        let first = items[..shown].to_vec();
        self.state().feeds.insert(
            key,
            OpenFeed {
                all: items,
                shown,
                page_size,
            },
        );
        first
    }

    /// What an open feed shows now.
    pub fn snapshot(&self, key: &GalleryFeedKey) -> Option<Vec<GalleryItem>> {
        let state = self.state();
        let feed = state.feeds.get(key)?;
        Some(feed.all[..feed.shown].to_vec())
    }

    /// Whether an open feed has more than it shows.
    pub fn has_more(&self, key: &GalleryFeedKey) -> bool {
        let state = self.state();
        state
            .feeds
            .get(key)
            .is_some_and(|feed| feed.shown < feed.all.len())
    }

    /// Shows the next page of an open feed: its `Append`, if there was more.
    pub fn load_more(&self, key: &GalleryFeedKey) -> Option<ListDiff<GalleryItem>> {
        let mut state = self.state();
        let feed = state.feeds.get_mut(key)?;
        let end = (feed.shown + feed.page_size).min(feed.all.len());
        if end == feed.shown {
            return None;
        }
        let items = feed.all[feed.shown..end].to_vec();
        feed.shown = end;
        Some(ListDiff::Append { items })
    }

    pub fn close(&self, key: &GalleryFeedKey) {
        self.state().feeds.remove(key);
    }

    /// A picture is new or changed: it is replaced where it is, leaves the feeds it no longer
    /// belongs to (moved to another album) and enters, in date order, the open feeds it now
    /// belongs to. A change past what a feed shows changes its list without a diff.
    pub fn upsert(&self, item: GalleryItem) -> Vec<FeedDiff> {
        let mut diffs = Vec::new();
        let mut state = self.state();
        for (key, feed) in state.feeds.iter_mut() {
            let at = feed
                .all
                .iter()
                .position(|i| i.picture_id == item.picture_id);
            match (at, key.admits(&item)) {
                (Some(index), Some(false)) => {
                    feed.all.remove(index);
                    if index < feed.shown {
                        feed.shown -= 1;
                        diffs.push((key.clone(), ListDiff::Remove { index }));
                    }
                }
                (Some(index), _) => {
                    let merged = item.clone().merged_over(&feed.all[index]);
                    if merged != feed.all[index] {
                        feed.all[index] = merged.clone();
                        if index < feed.shown {
                            diffs.push((
                                key.clone(),
                                ListDiff::Set {
                                    index,
                                    item: merged,
                                },
                            ));
                        }
                    }
                }
                (None, Some(true)) => {
                    let newer = |i: &GalleryItem| {
                        (i.uploaded_at.t, i.uploaded_at.i)
                            > (item.uploaded_at.t, item.uploaded_at.i)
                    };
                    let index = feed.all.iter().take_while(|i| newer(i)).count();
                    feed.all.insert(index, item.clone());
                    if index <= feed.shown {
                        feed.shown += 1;
                        diffs.push((
                            key.clone(),
                            ListDiff::Insert {
                                index,
                                item: item.clone(),
                            },
                        ));
                    }
                }
                (None, _) => {}
            }
        }
        diffs
    }

    /// The item an open feed holds for `picture_id`, to change one field of it.
    pub fn item(&self, picture_id: &str) -> Option<GalleryItem> {
        let state = self.state();
        state
            .feeds
            .values()
            .flat_map(|feed| feed.all.iter())
            .find(|i| i.picture_id == picture_id)
            .cloned()
    }

    /// The items of the open feeds in `album_id`, once each.
    pub fn items_in_album(&self, album_id: &str) -> Vec<GalleryItem> {
        let state = self.state();
        let mut items: Vec<GalleryItem> = Vec::new();
        for item in state.feeds.values().flat_map(|feed| feed.all.iter()) {
            if item.album_id.as_deref() == Some(album_id)
                && !items.iter().any(|i| i.picture_id == item.picture_id)
            {
                items.push(item.clone());
            }
        }
        items
    }

    /// A picture is gone: it leaves every open feed, and its comment thread.
    pub fn remove(&self, picture_id: &str) -> Vec<FeedDiff> {
        let mut diffs = Vec::new();
        let mut state = self.state();
        state.comments.remove(picture_id);
        state.links.remove(picture_id);
        for (key, feed) in state.feeds.iter_mut() {
            if let Some(index) = feed.all.iter().position(|i| i.picture_id == picture_id) {
                feed.all.remove(index);
                if index < feed.shown {
                    feed.shown -= 1;
                    diffs.push((key.clone(), ListDiff::Remove { index }));
                }
            }
        }
        diffs
    }

    pub fn open_albums(&self, userid: &str, albums: Vec<Album>) {
        self.state().albums.insert(userid.to_owned(), albums);
    }

    pub fn close_albums(&self, userid: &str) {
        self.state().albums.remove(userid);
    }

    /// Whether the window has a creator's album list open.
    pub fn albums_open(&self, userid: &str) -> bool {
        self.state().albums.contains_key(userid)
    }

    /// An album is new or changed; answers the list's diff when its creator's list is open.
    /// A new album is the newest.
    pub fn upsert_album(&self, album: Album) -> Option<ListDiff<Album>> {
        let mut state = self.state();
        let list = state.albums.get_mut(&album.owner)?;
        match list.iter().position(|a| a.album_id == album.album_id) {
            Some(index) if list[index] == album => None,
            Some(index) => {
                list[index] = album.clone();
                Some(ListDiff::Set { index, item: album })
            }
            None => {
                list.insert(0, album.clone());
                Some(ListDiff::Insert {
                    index: 0,
                    item: album,
                })
            }
        }
    }

    /// An album is gone; answers its creator and the list's diff when the list is open.
    pub fn remove_album(&self, album_id: &str) -> Option<(String, ListDiff<Album>)> {
        let mut state = self.state();
        state.albums.iter_mut().find_map(|(userid, list)| {
            let index = list.iter().position(|a| a.album_id == album_id)?;
            list.remove(index);
            Some((userid.clone(), ListDiff::Remove { index }))
        })
    }

    pub fn open_comments(&self, picture_id: &str, comments: Vec<Comment>) {
        self.state()
            .comments
            .insert(picture_id.to_owned(), comments);
    }

    pub fn close_comments(&self, picture_id: &str) {
        self.state().comments.remove(picture_id);
    }

    /// A comment is new or changed; answers the thread's diff when the thread is open.
    pub fn upsert_comment(&self, comment: Comment) -> Option<ListDiff<Comment>> {
        let mut state = self.state();
        let thread = state.comments.get_mut(&comment.picture_id)?;
        match thread
            .iter()
            .position(|c| c.comment_id == comment.comment_id)
        {
            Some(index) if thread[index] == comment => None,
            Some(index) => {
                thread[index] = comment.clone();
                Some(ListDiff::Set {
                    index,
                    item: comment,
                })
            }
            None => {
                thread.push(comment.clone());
                Some(ListDiff::Append {
                    items: vec![comment],
                })
            }
        }
    }

    /// A comment is gone; answers its picture and the thread's diff when the thread is open.
    pub fn remove_comment(&self, comment_id: &str) -> Option<(String, ListDiff<Comment>)> {
        let mut state = self.state();
        state.comments.iter_mut().find_map(|(picture_id, thread)| {
            let index = thread.iter().position(|c| c.comment_id == comment_id)?;
            thread.remove(index);
            Some((picture_id.clone(), ListDiff::Remove { index }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, t: i64, album: Option<&str>) -> GalleryItem {
        GalleryItem {
            picture_id: id.into(),
            owner: "u1".into(),
            author: None,
            album_id: album.map(str::to_owned),
            title: None,
            description: None,
            width: None,
            height: None,
            placeholder: None,
            thumbnail_widths: vec![],
            likes: 0,
            liked: Some(false),
            comment_count: Some(0),
            uploaded_at: Timestamp { t, i: 0 },
        }
    }

    fn replay(snapshot: Vec<GalleryItem>, diffs: &[FeedDiff], key: &GalleryFeedKey) -> Vec<String> {
        let mut list = snapshot;
        for (k, diff) in diffs {
            if k == key {
                diff.apply(&mut list);
            }
        }
        list.into_iter().map(|i| i.picture_id).collect()
    }

    #[test]
    fn feeds_page_and_follow_changes_by_diffs() {
        let gallery = Gallery::default();
        let album = GalleryFeedKey::Album {
            userid: "u1".into(),
            album_id: "a".into(),
        };
        let unsorted = GalleryFeedKey::Unsorted {
            userid: "u1".into(),
        };
        let in_album: Vec<_> = (0..5)
            .rev()
            .map(|t| item(&format!("p{t}"), t, Some("a")))
            .collect();
        let first = gallery.open(album.clone(), in_album, 2);
        let shown_unsorted = gallery.open(unsorted.clone(), vec![item("q", 9, None)], 10);
        assert_eq!(first.len(), 2);
        let mut diffs = vec![(album.clone(), gallery.load_more(&album).unwrap())];
        assert!(gallery.has_more(&album));

        let mut liked = item("p3", 3, Some("a"));
        liked.likes = 1;
        diffs.extend(gallery.upsert(liked));
        // Moved out of the album: it leaves the album and enters the unsorted feed by date.
        diffs.extend(gallery.upsert(item("p4", 4, None)));
        assert_eq!(replay(first, &diffs, &album), ["p3", "p2", "p1"]);
        assert_eq!(replay(shown_unsorted, &diffs, &unsorted), ["q", "p4"]);
        assert_eq!(gallery.snapshot(&album).unwrap()[0].likes, 1);
        // Past the shown part, a removal changes the list without a diff.
        assert!(gallery.remove("p0").is_empty());
        assert_eq!(gallery.load_more(&album), None);
    }
}
