//! The single list of commands and events. `builder()` hands Tauri its invoke handler and is
//! also what generates `ui/src/bindings.ts`, so the UI's types cannot drift from Rust's.
//! `raw_handler()` lists the commands that take a raw body (no generated signature).
//!
//! `build.rs` reads the names from the two command lists below (`collect_commands!` and
//! `generate_handler!`) to make an `allow-<command>` permission of each: a command is named in
//! this file and nowhere else but the capability file that grants it.

use tauri_specta::{collect_commands, collect_events, Builder};

use crate::commands::{
    account, auth, calls, cascades, chats, desktop, forwarding, gallery, oauth, search, staging,
    threads, transfers,
};
use crate::{commands, events};

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::app_info,
            commands::engine_state,
            commands::set_language,
            commands::set_server_url,
            commands::connection_status,
            auth::sign_in_methods,
            auth::username_available,
            auth::email_available,
            auth::sign_in_with_password,
            auth::start_challenge,
            auth::request_code,
            auth::verify_code,
            auth::sign_in_with_challenge,
            auth::register,
            auth::register_passwordless,
            auth::reset_password,
            auth::resume_session,
            auth::sign_out,
            chats::chat_list,
            chats::add_contact,
            chats::delete_contact,
            chats::set_muted,
            chats::open_chat,
            chats::close_chat,
            chats::mark_read,
            chats::load_older,
            chats::jump_to_message,
            chats::load_newer,
            chats::send_message,
            chats::retry_send,
            chats::discard_send,
            chats::edit_message,
            chats::delete_messages,
            chats::set_pinned,
            chats::pinned_messages,
            chats::upload_attachment,
            forwarding::forward_message,
            cascades::cascade_list,
            cascades::create_cascade,
            cascades::discover_cascades,
            cascades::cascade_from_invite,
            cascades::join_cascade_from_invite,
            cascades::join_public_cascade,
            cascades::muted_cascades,
            cascades::set_cascade_muted,
            cascades::leave_cascade,
            cascades::rename_cascade,
            cascades::set_cascade_public,
            cascades::kick_member,
            cascades::ban_member,
            cascades::cascade_bans,
            cascades::unban_member,
            cascades::threads,
            cascades::create_thread,
            cascades::update_thread,
            cascades::close_thread,
            cascades::take_opened_invite,
            threads::open_thread,
            threads::close_thread_timeline,
            threads::load_older_in_thread,
            threads::load_newer_in_thread,
            threads::jump_to_thread_message,
            threads::send_thread_message,
            threads::retry_thread_send,
            threads::discard_thread_send,
            threads::edit_thread_message,
            threads::delete_thread_messages,
            threads::set_thread_message_pinned,
            threads::pinned_thread_messages,
            threads::unread_counts,
            search::search_messages,
            staging::begin_staging,
            staging::discard_staged,
            transfers::send_file_directly,
            transfers::send_chosen_files,
            transfers::accept_transfer,
            transfers::decline_transfer,
            transfers::cancel_transfer,
            transfers::show_received_file,
            calls::start_call,
            calls::accept_call,
            calls::decline_call,
            calls::hang_up,
            calls::set_call_muted,
            calls::set_call_camera,
            calls::current_call,
            calls::call_devices,
            calls::choose_call_devices,
            calls::watch_call_video,
            account::change_username,
            account::change_display_name,
            account::change_email,
            account::change_phone,
            account::change_profile_picture,
            account::sessions,
            account::log_out_session,
            account::delete_account,
            account::open_log_folder,
            desktop::desktop_settings,
            desktop::set_desktop_settings,
            desktop::use_tray_menu_item,
            desktop::log_folder,
            oauth::oauth_providers,
            oauth::sign_in_with_oauth,
            oauth::cancel_oauth,
            gallery::open_gallery_feed,
            gallery::load_more_gallery,
            gallery::close_gallery_feed,
            gallery::like_picture,
            gallery::edit_picture,
            gallery::delete_picture,
            gallery::open_comments,
            gallery::close_comments,
            gallery::post_comment,
            gallery::edit_comment,
            gallery::delete_comment,
            gallery::creator,
            gallery::follow_creator,
            gallery::set_discovery_participation,
            gallery::open_albums,
            gallery::close_albums,
            gallery::create_album,
            gallery::edit_album,
            gallery::delete_album,
            gallery::upload_picture,
            gallery::cancel_picture_upload,
        ])
        .events(collect_events![
            crate::startup::EngineStateChanged,
            events::ChatListChanged,
            events::TimelineChanged,
            events::ConnectionChanged,
            events::CatchingUp,
            events::UploadProgressed,
            events::SessionEnded,
            events::OpenChatRequested,
            events::TransferChanged,
            events::CascadeListChanged,
            events::ThreadTimelineChanged,
            events::ThreadsChanged,
            events::OpenThreadRequested,
            events::UnreadChanged,
            events::InviteOpened,
            events::CallChanged,
            events::CallQualityChanged,
            events::RemovedFromCascade,
            crate::desktop_settings::DesktopSettingsChanged,
            events::GalleryFeedChanged,
            events::GalleryCommentsChanged,
            events::GalleryAlbumsChanged,
            events::GalleryCreatorChanged,
        ])
}

// `COMMANDS` (every command) and `RAW_COMMANDS`: the names build.rs read from this file's two
// lists below.
include!(concat!(env!("OUT_DIR"), "/command_names.rs"));

/// The commands that take a raw request body (see commands/staging.rs), which specta cannot
/// describe; they are answered before the typed handler.
pub fn raw_handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![staging::stage_chunk]
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    #[test]
    fn the_commands_answered_while_starting_exist() {
        for command in crate::startup::WITHOUT_ENGINE {
            assert!(
                super::COMMANDS.contains(command),
                "{command} is not a command"
            );
        }
    }

    use specta_typescript::Typescript;

    use super::*;

    /// Where the generated TypeScript lives, relative to the repository root.
    const TYPESCRIPT_BINDINGS: &str = "ui/src/bindings.ts";

    fn typescript_exporter() -> Typescript {
        Typescript::default().header("// Generated from Rust by src-tauri/src/bindings.rs. Do not edit.\n// Regenerate: CHATENIUM_UPDATE_BINDINGS=1 cargo test --bin chatenium-desktop bindings\n")
    }

    /// Fails when the committed TypeScript and the Rust commands disagree. With
    /// `CHATENIUM_UPDATE_BINDINGS=1` it rewrites the committed file instead.
    #[test]
    fn typescript_bindings_match_the_rust_commands() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let committed_path = root.join(TYPESCRIPT_BINDINGS);
        let fresh_path: PathBuf =
            std::env::temp_dir().join(format!("chatenium-bindings-{}.ts", std::process::id()));
        builder()
            .export(typescript_exporter(), &fresh_path)
            .expect("export TypeScript bindings");
        let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");
        let _ = std::fs::remove_file(&fresh_path);

        if std::env::var_os("CHATENIUM_UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed_path, &fresh).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{TYPESCRIPT_BINDINGS} is out of date with the Rust commands; regenerate it with \
             CHATENIUM_UPDATE_BINDINGS=1 cargo test --bin chatenium-desktop bindings"
        );
    }

    /// The three places that name the commands must agree: the names build.rs read from this
    /// file (and made permissions from), the generated TypeScript (from `builder()`, what
    /// Tauri really registers), and the main window's capability file, which grants each of
    /// them and no core plugin command but events.
    #[test]
    fn permissions_capability_and_bindings_name_the_same_commands() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut listed: Vec<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
        listed.sort();
        let typed: Vec<String> = listed
            .iter()
            .filter(|c| !RAW_COMMANDS.contains(&c.as_str()))
            .cloned()
            .collect();

        let typescript = std::fs::read_to_string(root.join(TYPESCRIPT_BINDINGS)).unwrap();
        let mut generated: Vec<String> = typescript
            .split("__TAURI_INVOKE")
            .skip(1)
            .filter_map(|rest| {
                let call = rest.lines().next()?;
                call.split("(\"").nth(1)?.split('"').next()
            })
            .map(str::to_owned)
            .collect();
        generated.sort();
        assert_eq!(
            typed, generated,
            "build.rs's reading of bindings.rs and bindings.ts differ"
        );

        let capability: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("src-tauri/capabilities/main-window.json")).unwrap(),
        )
        .unwrap();
        let mut granted: Vec<String> = Vec::new();
        for permission in capability["permissions"].as_array().unwrap() {
            let permission = permission.as_str().unwrap();
            if let Some(command) = permission.strip_prefix("allow-") {
                granted.push(command.replace('-', "_"));
            } else {
                assert!(
                    ["core:event:allow-listen", "core:event:allow-unlisten"].contains(&permission),
                    "the main window is granted {permission}"
                );
            }
        }
        granted.sort();
        assert_eq!(
            listed, granted,
            "the commands of bindings.rs and main-window.json differ"
        );
    }
}
