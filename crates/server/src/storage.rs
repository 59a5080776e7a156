//! Files on disk behind signed, expiring URLs: the local stand-in for S3 presigned URLs and a
//! CDN. A URL's signature covers the method, the file, the multipart upload and part, and the
//! expiry, so it works only for what the server handed it out for, and only until then.

use std::path::{Path, PathBuf};

use chatenium_api::schemas::upload::SignedUrlQuery;
use chatenium_api::{ErrorCode, Method, STORAGE_OBJECT_PATH};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};

pub struct Storage {
    root: PathBuf,
    key: Vec<u8>,
    base_url: String,
}

/// What a signed URL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access<'a> {
    /// PUT the whole file.
    Upload,
    /// PUT one part of a multipart upload.
    UploadPart {
        upload_id: &'a str,
        part: u32,
    },
    Download,
    /// GET the thumbnail of this width.
    Thumbnail {
        width: u32,
    },
}

impl Storage {
    /// `root` holds `files/`, `parts/` and `thumbnails/`; `key` signs URLs; `base_url` is
    /// where clients reach this server.
    pub fn open(root: PathBuf, key: Vec<u8>, base_url: String) -> std::io::Result<Storage> {
        std::fs::create_dir_all(root.join("files"))?;
        std::fs::create_dir_all(root.join("parts"))?;
        std::fs::create_dir_all(root.join("thumbnails"))?;
        Ok(Storage {
            root,
            key,
            base_url,
        })
    }

    pub fn url(&self, file_id: &str, access: Access<'_>, expires: i64) -> String {
        let (upload_id, part) = match access {
            Access::UploadPart { upload_id, part } => (Some(upload_id), Some(part)),
            _ => (None, None),
        };
        let thumbnail = match access {
            Access::Thumbnail { width } => Some(width),
            _ => None,
        };
        let query = SignedUrlQuery {
            file_id: file_id.to_owned(),
            upload_id: upload_id.map(str::to_owned),
            part,
            thumbnail,
            expires,
            sig: self.signature(
                method_of(access),
                &Signed {
                    file_id,
                    upload_id,
                    part,
                    thumbnail,
                    expires,
                },
            ),
        };
        let query = serde_urlencoded::to_string(&query).unwrap_or_default();
        format!("{}{STORAGE_OBJECT_PATH}?{query}", self.base_url)
    }

    /// Checks a URL's query for a request with `method` at unix time `now`.
    pub fn verify<'q>(
        &self,
        method: Method,
        query: &'q SignedUrlQuery,
        now: i64,
    ) -> ApiResult<Access<'q>> {
        let given =
            hex::decode(&query.sig).map_err(|_| ApiError::from(ErrorCode::InvalidSignature))?;
        let mut mac = self.mac();
        mac.update(
            signed_text(
                method,
                &Signed {
                    file_id: &query.file_id,
                    upload_id: query.upload_id.as_deref(),
                    part: query.part,
                    thumbnail: query.thumbnail,
                    expires: query.expires,
                },
            )
            .as_bytes(),
        );
        // Constant-time comparison through the MAC itself.
        mac.verify_slice(&given)
            .map_err(|_| ApiError::from(ErrorCode::InvalidSignature))?;
        if now > query.expires {
            return Err(ErrorCode::InvalidSignature.into());
        }
        Ok(match (method, query.upload_id.as_deref(), query.part) {
            (Method::Get, _, _) => match query.thumbnail {
                Some(width) => Access::Thumbnail { width },
                None => Access::Download,
            },
            (_, Some(upload_id), Some(part)) => Access::UploadPart { upload_id, part },
            _ => Access::Upload,
        })
    }

    /// Where a complete file's bytes live. Ids are server-made hex, never user input.
    pub fn file_path(&self, file_id: &str) -> PathBuf {
        self.root.join("files").join(sanitized(file_id))
    }

    pub fn part_path(&self, file_id: &str, part: u32) -> PathBuf {
        self.root
            .join("parts")
            .join(format!("{}.{part}", sanitized(file_id)))
    }

    /// Where a file's thumbnail of `width` lives.
    pub fn thumbnail_path(&self, file_id: &str, width: u32) -> PathBuf {
        self.root
            .join("thumbnails")
            .join(format!("{}.{width}", sanitized(file_id)))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    fn signature(&self, method: Method, signed: &Signed<'_>) -> String {
        let mut mac = self.mac();
        mac.update(signed_text(method, signed).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn method_of(access: Access<'_>) -> Method {
    match access {
        Access::Download | Access::Thumbnail { .. } => Method::Get,
        _ => Method::Put,
    }
}

/// What a signature covers.
struct Signed<'a> {
    file_id: &'a str,
    upload_id: Option<&'a str>,
    part: Option<u32>,
    thumbnail: Option<u32>,
    expires: i64,
}

fn signed_text(method: Method, signed: &Signed<'_>) -> String {
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let text = format!(
        "{}\n{}\n{}\n{}\n{}",
        method.as_str(),
        signed.file_id,
        signed.upload_id.unwrap_or(""),
        number(signed.part),
        signed.expires
    );
    // URLs without a thumbnail keep the text (and so the signature) they always had.
    match signed.thumbnail {
        Some(width) => format!("{text}\nthumbnail {width}"),
        None => text,
    }
}

/// Keeps only the characters server-made ids have, so no id can name another path.
fn sanitized(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let storage =
            Storage::open(dir.path().to_owned(), b"key".to_vec(), "http://h".into()).unwrap();
        (dir, storage)
    }

    fn query_of(url: &str) -> SignedUrlQuery {
        serde_urlencoded::from_str(url.split_once('?').unwrap().1).unwrap()
    }

    #[test]
    fn a_url_works_for_its_method_until_it_expires() {
        let (_dir, storage) = storage();
        let url = storage.url("abc", Access::Download, 100);
        let query = query_of(&url);
        assert_eq!(
            storage.verify(Method::Get, &query, 100).unwrap(),
            Access::Download
        );
        assert!(storage.verify(Method::Get, &query, 101).is_err());
        assert!(storage.verify(Method::Put, &query, 50).is_err());
    }

    #[test]
    fn changing_any_signed_field_breaks_the_signature() {
        let (_dir, storage) = storage();
        let url = storage.url(
            "abc",
            Access::UploadPart {
                upload_id: "u",
                part: 2,
            },
            100,
        );
        let good = query_of(&url);
        assert!(storage.verify(Method::Put, &good, 0).is_ok());
        let tampered = [
            SignedUrlQuery {
                file_id: "abd".into(),
                ..good.clone()
            },
            SignedUrlQuery {
                part: Some(3),
                ..good.clone()
            },
            SignedUrlQuery {
                upload_id: None,
                ..good.clone()
            },
            SignedUrlQuery {
                expires: 1000,
                ..good.clone()
            },
            SignedUrlQuery {
                sig: "zz".into(),
                ..good.clone()
            },
        ];
        for query in tampered {
            assert!(storage.verify(Method::Put, &query, 0).is_err(), "{query:?}");
        }
    }

    #[test]
    fn a_thumbnail_url_is_for_that_width_only() {
        let (_dir, storage) = storage();
        let url = storage.url("abc", Access::Thumbnail { width: 320 }, 100);
        let query = query_of(&url);
        assert_eq!(
            storage.verify(Method::Get, &query, 0).unwrap(),
            Access::Thumbnail { width: 320 }
        );
        for thumbnail in [Some(1280), None] {
            let other = SignedUrlQuery {
                thumbnail,
                ..query.clone()
            };
            assert!(storage.verify(Method::Get, &other, 0).is_err(), "{other:?}");
        }
        let download = query_of(&storage.url("abc", Access::Download, 100));
        let widened = SignedUrlQuery {
            thumbnail: Some(320),
            ..download
        };
        assert!(storage.verify(Method::Get, &widened, 0).is_err());
    }

    #[test]
    fn ids_cannot_name_paths_outside_the_store() {
        let (dir, storage) = storage();
        let path = storage.file_path("../../etc/passwd");
        assert!(path.starts_with(dir.path().join("files")));
        assert_eq!(path.file_name().unwrap(), "etcpasswd");
    }
}
