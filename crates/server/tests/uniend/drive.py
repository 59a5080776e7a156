"""Drives Chatenium's own client library, UniEnd (`chatenium-uniend` 0.6 from PyPI), against
the local server, as its GTK app would: run by `crates/server/tests/uniend.rs` under a virtual
environment that has the package installed.

`drive.py main` is the user under test (UNIEND_USER); it starts `drive.py peer` (UNIEND_PEER)
as another process, another user of the same library, whose message, edit and deletion the
main user must receive live through its own socket listeners.

Every wait is for a state, with a deadline only as a guard against hanging. Any failure raises,
so the process exits non-zero and the Rust test fails with this output.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

# UniEnd keeps its session files under XDG_DATA_HOME, read when its module is imported: each
# process gets its own folder.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="uniend-data-")

import keyring  # noqa: E402
import keyring.backend  # noqa: E402


class MemoryKeyring(keyring.backend.KeyringBackend):
    """UniEnd keeps its token in the system keyring; this process's memory stands in for it."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


keyring.set_keyring(MemoryKeyring())

from backend.chat.chats_handler import ChatsHandler  # noqa: E402
from backend.chat.dm.dm_handler import DmHandler  # noqa: E402
from backend.environments import Environments  # noqa: E402
from backend.login import login_model  # noqa: E402
from backend.session_manager import SessionManager  # noqa: E402
from backend.websocket import WebSocket  # noqa: E402

PATIENCE = 20.0
API = os.environ["UNIEND_API"]
OUTBOX = Path(os.environ["UNIEND_OUTBOX"])


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def point_at_local_server():
    Environments.instance().overwrite_env(API, API.replace("http", "ws", 1), API)


def account(prefix):
    return {
        "username": os.environ[f"{prefix}_USERNAME"],
        "password": os.environ[f"{prefix}_PASSWORD"],
        "email": os.environ[f"{prefix}_EMAIL"],
    }


def latest_code(to):
    codes = [
        json.loads(line)["secret"]
        for line in OUTBOX.read_text().splitlines()
        if line.strip() and json.loads(line)["to"] == to
    ]
    check(codes, f"a code was sent to {to}")
    return codes[-1]


def session_user():
    session = SessionManager.instance().currentSession
    check(session is not None and session[0], "a signed-in session with a token")
    return session[1]


async def sign_in_by_password(user):
    await login_model.password_auth(user["username"], user["password"])
    check(SessionManager.instance().loadSessions(), "the session is stored")
    check(session_user().username == user["username"], "signed in as the user")


class Heard:
    """What DmHandler's listeners were told, and a wait for a state of it."""

    def __init__(self):
        self.condition = threading.Condition()
        self.added, self.edited, self.removed = [], [], []
        DmHandler.subscribe(lambda m: self._put(self.added, m), "add")
        DmHandler.subscribe(lambda e: self._put(self.edited, e), "edit")
        DmHandler.subscribe(lambda r: self._put(self.removed, r), "rem")

    def _put(self, into, item):
        with self.condition:
            into.append(item)
            self.condition.notify_all()

    def wait_for(self, what, predicate):
        with self.condition:
            if not self.condition.wait_for(predicate, timeout=PATIENCE):
                raise AssertionError(f"not heard in time: {what}")


def wait_until(what, predicate):
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not in time: {what}")
        time.sleep(0.05)


def chat_with(chats, username):
    found = [chat for chat in chats if chat.username == username]
    check(len(found) == 1, f"one chat with {username}")
    return found[0]


def refused_with_token(token, path):
    request = urllib.request.Request(f"{API}/{path}", headers={"Authorization": token})
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as error:
        return error.code
    return None


async def main():
    point_at_local_server()
    me, peer, third = account("UNIEND_USER"), account("UNIEND_PEER"), account("UNIEND_THIRD")

    methods = await login_model.login(me["username"])
    check(methods.password and methods.email and not methods.sms, f"sign-in methods {methods}")

    # Password sign-in, then logout: the token stops working.
    await sign_in_by_password(me)
    first_token = SessionManager.instance().currentSession[0]
    await SessionManager.instance().logout()
    check(SessionManager.instance().currentSession is None, "logged out")
    status = refused_with_token(first_token, "chat/get?userid=anyone")
    check(status == 401, f"the logged-out token is refused, got {status}")

    # Sign-in by an e-mailed code, sent as the integer UniEnd makes of it.
    await login_model.otp_send_code(1, me["email"])
    await login_model.otp_verify_code(1, me["email"], int(latest_code(me["email"])))
    check(SessionManager.instance().loadSessions(), "the code session is stored")
    my_id = session_user().userid

    chats = await ChatsHandler.getChats()
    check(chats == [], f"no chats yet: {chats}")
    await ChatsHandler.startNew(peer["username"])
    await ChatsHandler.startNew(third["username"])
    chats = await ChatsHandler.getChats()
    with_peer = chat_with(chats, peer["username"]).chatid
    with_third = chat_with(chats, third["username"]).chatid
    check(chat_with(chats, peer["username"]).pfp == "", "no picture is an empty string")

    heard = Heard()
    await WebSocket.connect()
    wait_until("the socket's connectionId", lambda: WebSocket.connectionId is not None)
    await DmHandler.join_chat(with_peer)

    # Send, edit and delete one's own message.
    await DmHandler.send_message(with_peer, "hello from UniEnd", "", "")
    page = await DmHandler.get_messages(with_peer)
    check([m.message for m in page] == ["hello from UniEnd"], f"the page {page}")
    mine = page[0]
    check(mine.author == my_id and mine.replyTo == "" and mine.forwardedFrom == "", f"{mine}")
    await DmHandler.edit_message(with_peer, mine.msgid, "edited in UniEnd")
    page = await DmHandler.get_messages(with_peer)
    check(page[0].message == "edited in UniEnd" and page[0].isEdited, f"edited {page}")
    await DmHandler.delete_message(with_peer, mine.msgid)
    check(await DmHandler.get_messages(with_peer) == [], "deleted")

    # A file through the chunked upload.
    content = b"attachment bytes from UniEnd\n" * 100
    attachment = Path(tempfile.mkdtemp()) / "notes.txt"
    attachment.write_bytes(content)
    await DmHandler.send_message(with_peer, "with a file", "", "", files=[attachment])
    page = await DmHandler.get_messages(with_peer)
    with_file = page[-1]
    check(len(with_file.files) == 1, f"one attachment: {with_file}")
    check(with_file.files[0].fileName == "notes.txt", f"{with_file.files[0]}")
    with urllib.request.urlopen(with_file.files[0].path) as download:
        check(download.read() == content, "the attachment's bytes")

    # Forward it, with its file, to the other chat.
    await DmHandler.forward_chat(with_file.msgid, with_third, with_peer)
    forwarded = (await DmHandler.get_messages(with_third))[-1]
    check(forwarded.forwardedFrom == my_id, f"forwardedFrom {forwarded}")
    check(forwarded.forwardedFromName != "", f"forwardedFromName {forwarded}")
    check(forwarded.message == "with a file" and len(forwarded.files) == 1, f"{forwarded}")

    # The other user writes, edits and deletes; this client hears each through its socket.
    subprocess.run([sys.executable, __file__, "peer"], check=True, timeout=PATIENCE * 3)
    heard.wait_for(
        "the peer's message",
        lambda: any(m.author != my_id and m.message == "hi from the peer" for m in heard.added),
    )
    theirs = next(m for m in heard.added if m.author != my_id)
    heard.wait_for(
        "the peer's edit",
        lambda: any(
            e.messageId == theirs.msgid and e.message == "hi again from the peer"
            for e in heard.edited
        ),
    )
    heard.wait_for("the peer's deletion", lambda: theirs.msgid in heard.removed)

    await SessionManager.instance().logout()
    check(SessionManager.instance().currentSession is None, "logged out at the end")
    print("UniEnd drove every operation")


async def peer():
    point_at_local_server()
    me, other = account("UNIEND_PEER"), account("UNIEND_USER")
    await sign_in_by_password(me)
    chat = chat_with(await ChatsHandler.getChats(), other["username"]).chatid
    await DmHandler.send_message(chat, "hi from the peer", "", "")
    sent = (await DmHandler.get_messages(chat))[-1]
    check(sent.message == "hi from the peer", f"{sent}")
    await DmHandler.edit_message(chat, sent.msgid, "hi again from the peer")
    await DmHandler.delete_message(chat, sent.msgid)


if __name__ == "__main__":
    asyncio.run({"main": main, "peer": peer}[sys.argv[1]]())
