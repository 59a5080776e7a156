//! The one error type of call media.

/// Why a media operation failed. None of these is a panic: a corrupt frame from the peer, a
/// missing device or a closed connection each come back as a value.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// A codec refused its settings or its input (libopus or libvpx said why).
    #[error("codec: {0}")]
    Codec(String),
    /// Received data that does not decode: a corrupt or truncated frame.
    #[error("corrupt frame: {0}")]
    Corrupt(String),
    /// A frame whose size does not match what it claims or what the codec was set up for.
    #[error("bad frame: {0}")]
    BadFrame(String),
    /// An audio or video device: not found, busy, or an unsupported format.
    #[error("device: {0}")]
    Device(String),
    /// The transport is not connected yet (media sent before the connection is up is dropped).
    #[error("not connected")]
    NotConnected,
    /// The transport or its signaling failed or was closed.
    #[error("transport: {0}")]
    Transport(String),
}
