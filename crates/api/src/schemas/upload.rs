//! Uploads through presigned URLs, in the shape of S3's: a single PUT, or a multipart upload
//! (initiate, one URL a part, complete). An upload belongs to the user who registered it; once
//! complete its `fileID` can be attached to a message, made a profile or cascade picture, or
//! registered as a picture. The bytes never travel inside JSON.

use crate::macros::contract_types;

contract_types! {
    /// What the client says about a file before uploading it.
    pub struct FileMetadata {
        pub name: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub size: u64,
        /// MIME type, e.g. `image/png`.
        pub mime: String,
        /// Pixel size of an image or video, when the client knows it.
        #[serde(default)]
        pub width: Option<u32>,
        #[serde(default)]
        pub height: Option<u32>,
    }

    /// Registers one or more single-PUT uploads.
    pub struct S3PresignedFileReq {
        pub files: Vec<FileMetadata>,
    }

    /// Where to PUT one file's bytes; the URL stops working at `expiresAt`.
    pub struct S3PresignedFileResponse {
        #[serde(rename = "fileID")]
        pub file_id: String,
        pub upload_url: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub expires_at: i64,
    }

    /// Starts a multipart upload of one large file.
    pub struct S3MultipartUploadReq {
        pub file: FileMetadata,
    }

    /// One URL a part; every part but the last is exactly `partSize` bytes.
    pub struct S3PresignedMultiResp {
        #[serde(rename = "fileID")]
        pub file_id: String,
        pub upload_id: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub part_size: u64,
        pub parts: Vec<PresignedPart>,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub expires_at: i64,
    }

    pub struct PresignedPart {
        /// 1-based, as in S3.
        pub part_number: u32,
        pub upload_url: String,
    }

    /// Completes a multipart upload with the `ETag` each part's PUT answered.
    pub struct S3FinishMultiReq {
        #[serde(rename = "fileID")]
        pub file_id: String,
        pub upload_id: String,
        pub parts: Vec<CompletedPart>,
    }

    pub struct CompletedPart {
        pub part_number: u32,
        pub etag: String,
    }

    /// Marks a single-PUT upload complete.
    pub struct CompleteUploadReq {
        #[serde(rename = "fileID")]
        pub file_id: String,
    }
}

contract_types! {
    /// Query of a signed storage URL: the server checks `sig` over the other parameters, so
    /// the URL works for nobody after `expires` and for no other file, part or method.
    pub struct SignedUrlQuery {
        #[serde(rename = "fileID")]
        pub file_id: String,
        /// Multipart uploads: the upload and the 1-based part this URL is for.
        #[serde(default)]
        pub upload_id: Option<String>,
        #[serde(default)]
        pub part: Option<u32>,
        /// Downloads: the thumbnail of this width instead of the file (a
        /// [`Thumbnail`](crate::schemas::pictures::Thumbnail)'s URL).
        #[serde(default)]
        pub thumbnail: Option<u32>,
        /// Unix seconds.
        #[cfg_attr(feature = "specta", specta(type = f64))]
        pub expires: i64,
        /// Hex HMAC-SHA256.
        pub sig: String,
    }
}
