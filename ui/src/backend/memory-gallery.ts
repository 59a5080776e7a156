// The picture galleries of the in-memory backend (./memory): creators, pictures, likes,
// comments, albums and discovery, with the same promises as the core (a feed's first page,
// then diffs). Pictures are drawn as small SVGs, so the browser-test build shows a real grid.
// Test hooks let another user act: upload, like, comment.
import { BackendError, type Album, type Backend, type Creator, type ErrorCode, type GalleryFeed, type GalleryPicture, type ListDiff, type PictureComment, type User } from "./index";

/** What the galleries share with the rest of the fake server. */
export interface GalleryWorld {
  signedIn(): User;
  /** A user by name, made on first use. */
  user(username: string): User;
  userById(userid: string): User | undefined;
  nextId(prefix: string): string;
  tick(): { T: number; I: number };
  /** Takes a staged file over (as the shell's upload does). */
  takeStaged(stageId: string): { name: string; bytes: Uint8Array };
  emit: {
    galleryFeed(feed: GalleryFeed, diff: ListDiff<GalleryPicture>): void;
    galleryComments(pictureId: string, diff: ListDiff<PictureComment>): void;
    galleryAlbums(userid: string, diff: ListDiff<Album>): void;
    galleryCreator(creator: Creator): void;
    upload(progress: { id: string; name: string; sent: number; total: number; state: "running" | "done" | "failed" | "cancelled" }): void;
  };
}

export interface GalleryHooks {
  /** Another user uploads a picture (into their album `albumId`, or none). */
  pictureBy(username: string, title?: string | null, albumId?: string | null): GalleryPicture;
  /** Another user likes a picture. */
  likeAs(username: string, pictureId: string): void;
  /** Another user comments on a picture. */
  commentAs(username: string, pictureId: string, text: string): PictureComment;
  /** Adds `count` pictures of `username` at once, with no events (the grid benchmark). */
  seedPictures(username: string, count: number): void;
  /** Uploads wait until `releaseUploads` (a test sees their progress bars first). */
  holdUploads(): void;
  releaseUploads(): void;
}

type Implemented = Pick<
  Backend,
  | "openGalleryFeed"
  | "loadMoreGallery"
  | "closeGalleryFeed"
  | "likePicture"
  | "editPicture"
  | "deletePicture"
  | "openComments"
  | "closeComments"
  | "postComment"
  | "editComment"
  | "deleteComment"
  | "creator"
  | "followCreator"
  | "setDiscoveryParticipation"
  | "openAlbums"
  | "closeAlbums"
  | "createAlbum"
  | "editAlbum"
  | "deleteAlbum"
  | "uploadPicture"
  | "cancelPictureUpload"
  | "pictureUrl"
>;

interface StoredPicture {
  picture: GalleryPicture;
  likedBy: Set<string>;
}

const fail = (code: ErrorCode): never => {
  throw new BackendError({ kind: "api", code });
};

const PALETTE = ["#4152d6", "#8035b8", "#b02a66", "#b3431a", "#746000", "#1d7446", "#0d6a82", "#56606f"];

/** A picture's stand-in image: a landscape tile in one of a few colours, as an SVG data URL.
 * Few distinct images, so that a grid of thousands decodes each once (an SVG is drawn on the
 * page's main thread, which a real thumbnail is not). */
const DRAWINGS = PALETTE.map((colour) => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240"><rect width="320" height="240" fill="${colour}"/><circle cx="240" cy="70" r="34" fill="#fff" opacity=".5"/><path d="M0 240 L110 120 L200 200 L250 160 L320 240Z" fill="#000" opacity=".25"/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
});
function drawing(pictureId: string): string {
  const n = Number(pictureId.replace(/\D/g, "")) || 0;
  return DRAWINGS[n % DRAWINGS.length]!;
}

export function galleryBackend(world: GalleryWorld): Implemented & GalleryHooks {
  const pictures: StoredPicture[] = []; // newest first
  const comments = new Map<string, PictureComment[]>();
  const albums: Album[] = []; // newest first
  const follows = new Set<string>(); // "follower creator"
  const hidden = new Set<string>(); // creators out of discovery
  const openFeeds = new Map<string, { feed: GalleryFeed; shown: number; pageSize: number; list: GalleryPicture[] }>();
  const openThreads = new Set<string>();
  const uploads = new Map<string, { cancelled: boolean }>();
  let held: (() => void)[] | null = null;

  const view = (stored: StoredPicture, viewer: string | null): GalleryPicture => ({
    ...structuredClone(stored.picture),
    likes: stored.likedBy.size,
    liked: viewer ? stored.likedBy.has(viewer) : null,
    commentCount: comments.get(stored.picture.pictureId)?.length ?? 0,
  });
  const me = () => world.signedIn().userid;
  const listOf = (feed: GalleryFeed): GalleryPicture[] => {
    const viewer = me();
    const of = (userid: string) => pictures.filter((p) => p.picture.owner === userid);
    switch (feed.kind) {
      case "recent":
        return pictures.filter((p) => !hidden.has(p.picture.owner)).map((p) => view(p, viewer));
      case "mostLiked":
        return pictures
          .filter((p) => !hidden.has(p.picture.owner) && p.likedBy.size > 0)
          .sort((a, b) => b.likedBy.size - a.likedBy.size)
          .map((p) => view(p, viewer));
      case "creator":
        return of(feed.userid).map((p) => view(p, viewer));
      case "album":
        return of(feed.userid)
          .filter((p) => p.picture.albumId === feed.albumId)
          .map((p) => view(p, viewer));
      case "unsorted":
        return of(feed.userid)
          .filter((p) => p.picture.albumId === null)
          .map((p) => view(p, viewer));
    }
  };
  /** Every open feed is compared with what it shows now; what changed goes out as diffs. */
  const refreshFeeds = () => {
    for (const open of openFeeds.values()) {
      const next = listOf(open.feed);
      // A picture that arrived or left moves the end of what is shown with it.
      const shown = Math.max(0, Math.min(next.length, open.shown + next.length - open.list.length));
      const before = open.list.slice(0, open.shown);
      const after = next.slice(0, shown);
      open.list = next;
      open.shown = shown;
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      if (before.length === after.length && before.every((p, i) => p.pictureId === after[i]!.pictureId)) {
        after.forEach((p, index) => {
          if (JSON.stringify(p) !== JSON.stringify(before[index])) world.emit.galleryFeed(open.feed, { op: "set", index, item: p });
        });
      } else {
        world.emit.galleryFeed(open.feed, { op: "reset", items: after });
      }
    }
  };
  /** The cover, as the server serves it: the chosen picture while it is in the album, else the
   * newest. A picture that leaves the album drops the choice (see `editPicture`). */
  const albumView = (album: Album): Album => {
    const inside = pictures.filter((p) => p.picture.albumId === album.albumId);
    const chosen = inside.find((p) => p.picture.pictureId === album.coverPictureId);
    const cover = chosen ?? inside[0];
    return {
      ...structuredClone(album),
      pictureCount: inside.length,
      cover: cover ? drawing(cover.picture.pictureId) : null,
      coverPictureId: cover?.picture.pictureId ?? null,
    };
  };
  const emitAlbums = (userid: string) =>
    world.emit.galleryAlbums(userid, { op: "reset", items: albums.filter((a) => a.owner === userid).map(albumView) });
  const creatorOf = (userid: string): Creator => {
    const user = world.userById(userid) ?? fail("userNotFound");
    return {
      user: structuredClone(user),
      followers: [...follows].filter((f) => f.endsWith(` ${userid}`)).length,
      following: follows.has(`${me()} ${userid}`),
      albumCount: albums.filter((a) => a.owner === userid).length,
      pictureCount: pictures.filter((p) => p.picture.owner === userid).length,
      discoveryParticipation: !hidden.has(userid),
    };
  };
  const stored = (pictureId: string) => pictures.find((p) => p.picture.pictureId === pictureId) ?? fail("notFound");
  const newPicture = (owner: User, albumId: string | null, title: string | null): StoredPicture => ({
    picture: {
      pictureId: world.nextId("pic"),
      owner: owner.userid,
      author: structuredClone(owner),
      albumId,
      title,
      description: null,
      width: 320,
      height: 240,
      placeholder: null,
      thumbnailWidths: [320],
      likes: 0,
      liked: null,
      commentCount: 0,
      uploadedAt: world.tick(),
    },
    likedBy: new Set(),
  });
  const addComment = (author: User, pictureId: string, content: string): PictureComment => {
    stored(pictureId);
    const comment: PictureComment = {
      commentId: world.nextId("c"),
      pictureId,
      author: structuredClone(author),
      content,
      isEdited: false,
      postedAt: world.tick(),
    };
    const thread = comments.get(pictureId) ?? [];
    thread.push(comment);
    comments.set(pictureId, thread);
    if (openThreads.has(pictureId)) world.emit.galleryComments(pictureId, { op: "append", items: [structuredClone(comment)] });
    refreshFeeds();
    return comment;
  };
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  };

  return {
    pictureUrl: (pictureId) => drawing(pictureId),
    openGalleryFeed: (feed, pageSize) =>
      run(() => {
        const list = listOf(feed);
        const shown = Math.min(list.length, Math.max(1, pageSize));
        openFeeds.set(JSON.stringify(feed), { feed, shown, pageSize: Math.max(1, pageSize), list });
        return { pictures: list.slice(0, shown), hasMore: shown < list.length };
      }),
    loadMoreGallery: (feed) =>
      run(() => {
        const open = openFeeds.get(JSON.stringify(feed));
        if (!open || open.shown >= open.list.length) return false;
        const end = Math.min(open.list.length, open.shown + open.pageSize);
        const items = open.list.slice(open.shown, end);
        open.shown = end;
        world.emit.galleryFeed(feed, { op: "append", items });
        return true;
      }),
    closeGalleryFeed: (feed) => run(() => void openFeeds.delete(JSON.stringify(feed))),
    likePicture: (pictureId, like) =>
      run(() => {
        const found = stored(pictureId);
        if (like) found.likedBy.add(me());
        else found.likedBy.delete(me());
        refreshFeeds();
        return view(found, me());
      }),
    editPicture: (edit) =>
      run(() => {
        const found = stored(edit.pictureId);
        if (found.picture.owner !== me()) fail("forbidden");
        if (edit.title !== undefined && edit.title !== null) found.picture.title = edit.title || null;
        if (edit.description !== undefined && edit.description !== null) found.picture.description = edit.description || null;
        if (edit.moveToAlbum) {
          found.picture.albumId = edit.albumId ?? null;
          for (const album of albums) {
            if (album.coverPictureId === edit.pictureId && album.albumId !== found.picture.albumId) album.coverPictureId = null;
          }
        }
        refreshFeeds();
        emitAlbums(found.picture.owner);
        return view(found, me());
      }),
    deletePicture: (pictureId) =>
      run(() => {
        const found = stored(pictureId);
        if (found.picture.owner !== me()) fail("forbidden");
        pictures.splice(pictures.indexOf(found), 1);
        comments.delete(pictureId);
        refreshFeeds();
        emitAlbums(found.picture.owner);
      }),
    openComments: (pictureId) =>
      run(() => {
        stored(pictureId);
        openThreads.add(pictureId);
        return structuredClone(comments.get(pictureId) ?? []);
      }),
    closeComments: (pictureId) => run(() => void openThreads.delete(pictureId)),
    postComment: (pictureId, content) => run(() => addComment(world.signedIn(), pictureId, content)),
    editComment: (commentId, content) =>
      run(() => {
        for (const [pictureId, thread] of comments) {
          const index = thread.findIndex((c) => c.commentId === commentId);
          if (index < 0) continue;
          if (thread[index]!.author.userid !== me()) fail("forbidden");
          thread[index] = { ...thread[index]!, content, isEdited: true };
          if (openThreads.has(pictureId)) world.emit.galleryComments(pictureId, { op: "set", index, item: structuredClone(thread[index]!) });
          return structuredClone(thread[index]!);
        }
        return fail("notFound");
      }),
    deleteComment: (pictureId, commentId) =>
      run(() => {
        const thread = comments.get(pictureId) ?? fail("notFound");
        const index = thread.findIndex((c) => c.commentId === commentId);
        if (index < 0) fail("notFound");
        thread.splice(index, 1);
        if (openThreads.has(pictureId)) world.emit.galleryComments(pictureId, { op: "remove", index });
        refreshFeeds();
      }),
    creator: (userid) => run(() => creatorOf(userid)),
    followCreator: (userid, follow) =>
      run(() => {
        if (userid === me()) fail("badRequest");
        if (follow) follows.add(`${me()} ${userid}`);
        else follows.delete(`${me()} ${userid}`);
        const creator = creatorOf(userid);
        world.emit.galleryCreator(creator);
        return creator;
      }),
    setDiscoveryParticipation: (participate) =>
      run(() => {
        if (participate) hidden.delete(me());
        else hidden.add(me());
        refreshFeeds();
      }),
    openAlbums: (userid) => run(() => albums.filter((a) => a.owner === userid).map(albumView)),
    closeAlbums: () => Promise.resolve(),
    createAlbum: (name, description) =>
      run(() => {
        const album: Album = { albumId: world.nextId("album"), owner: me(), name, description, pictureCount: 0, cover: null, coverPictureId: null, createdAt: world.tick() };
        albums.unshift(album);
        emitAlbums(me());
        return albumView(album);
      }),
    editAlbum: (albumId, name, description, coverPictureId) =>
      run(() => {
        const album = albums.find((a) => a.albumId === albumId) ?? fail("notFound");
        if (album.owner !== me()) fail("forbidden");
        if (coverPictureId !== null) {
          const cover = stored(coverPictureId).picture;
          if (cover.owner !== me()) fail("forbidden");
          if (cover.albumId !== albumId) fail("notInAlbum");
          album.coverPictureId = coverPictureId;
        }
        if (name !== null) album.name = name;
        if (description !== null) album.description = description || null;
        emitAlbums(me());
        return albumView(album);
      }),
    deleteAlbum: (albumId) =>
      run(() => {
        const index = albums.findIndex((a) => a.albumId === albumId && a.owner === me());
        if (index < 0) fail("notFound");
        albums.splice(index, 1);
        for (const p of pictures) if (p.picture.albumId === albumId) p.picture.albumId = null;
        emitAlbums(me());
        refreshFeeds();
      }),
    uploadPicture: async (stageId, albumId) => {
      const { name, bytes } = world.takeStaged(stageId);
      const state = { cancelled: false };
      uploads.set(stageId, state);
      const total = bytes.length;
      world.emit.upload({ id: stageId, name, sent: Math.floor(total / 2), total, state: "running" });
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      uploads.delete(stageId);
      if (state.cancelled) {
        world.emit.upload({ id: stageId, name, sent: Math.floor(total / 2), total, state: "cancelled" });
        fail("badRequest");
      }
      const made = newPicture(world.signedIn(), albumId, name.replace(/\.[^.]*$/, ""));
      pictures.unshift(made);
      world.emit.upload({ id: stageId, name, sent: total, total, state: "done" });
      refreshFeeds();
      emitAlbums(me());
      return view(made, me());
    },
    cancelPictureUpload: (stageId) => {
      const upload = uploads.get(stageId);
      if (upload) upload.cancelled = true;
      return Promise.resolve();
    },

    pictureBy(username, title = null, albumId = null) {
      const made = newPicture(world.user(username), albumId, title);
      pictures.unshift(made);
      refreshFeeds();
      return view(made, null);
    },
    likeAs(username, pictureId) {
      stored(pictureId).likedBy.add(world.user(username).userid);
      refreshFeeds();
    },
    commentAs: (username, pictureId, text) => addComment(world.user(username), pictureId, text),
    seedPictures(username, count) {
      const owner = world.user(username);
      for (let n = 0; n < count; n++) pictures.unshift(newPicture(owner, null, `Picture ${n + 1}`));
    },
    holdUploads() {
      held ??= [];
    },
    releaseUploads() {
      const waiting = held ?? [];
      held = null;
      waiting.forEach((resolve) => resolve());
    },
  };
}
