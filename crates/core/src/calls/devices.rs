//! Microphones and speakers through cpal (placeholder until the device step).
