"""Conversations of `nex ask` kept in ``nex.chat_conversations`` / ``nex.chat_messages``, so one can be
resumed (``--conversation ID``) and audited: every tool call is stored with its input and output."""

from __future__ import annotations

import json
import uuid

import psycopg
from psycopg.types.json import Jsonb


class ConversationNotFound(LookupError):
    pass


def create(conn: psycopg.Connection, title: str, persona: str, model: str | None) -> str:
    conversation_id = str(uuid.uuid4())
    conn.execute(
        "insert into nex.chat_conversations (id, title, persona, model) values (%s, %s, %s, %s)",
        (conversation_id, title[:200], persona, model),
    )
    return conversation_id


def exists(conn: psycopg.Connection, conversation_id: str) -> bool:
    try:
        uuid.UUID(str(conversation_id))
    except ValueError:
        return False
    return bool(
        conn.execute("select 1 from nex.chat_conversations where id = %s", (conversation_id,)).fetchone()
    )


def add(
    conn: psycopg.Connection,
    conversation_id: str,
    role: str,
    content: str | None,
    *,
    tool_name: str | None = None,
    tool_call_id: str | None = None,
    tool_input: object = None,
    tool_output: object = None,
    model: str | None = None,
) -> None:
    conn.execute(
        """insert into nex.chat_messages (conversation_id, role, content, tool_name, tool_call_id,
               tool_input, tool_output, model)
           values (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            conversation_id,
            role,
            content,
            tool_name,
            tool_call_id,
            None if tool_input is None else Jsonb(tool_input),
            None if tool_output is None else Jsonb(json.loads(json.dumps(tool_output, default=str))),
            model,
        ),
    )
    conn.execute("update nex.chat_conversations set updated_at = now() where id = %s", (conversation_id,))


def messages(conn: psycopg.Connection, conversation_id: str) -> list[dict]:
    """The stored conversation as chat-completion messages (system prompts are not stored: the
    persona's current one is used on resume)."""
    if not exists(conn, conversation_id):
        raise ConversationNotFound(f"no conversation {conversation_id!r}")
    rows = conn.execute(
        """select role, content, tool_name, tool_call_id, tool_input, tool_output from nex.chat_messages
            where conversation_id = %s and role <> 'system' order by id""",
        (conversation_id,),
    ).fetchall()
    out: list[dict] = []
    for role, content, _tool_name, tool_call_id, tool_input, tool_output in rows:
        if role == "assistant" and tool_input:
            out.append({"role": "assistant", "content": content, "tool_calls": tool_input})
        elif role == "tool":
            out.append({"role": "tool", "tool_call_id": tool_call_id, "content": json.dumps(tool_output)})
        else:
            out.append({"role": role, "content": content or ""})
    return out


def transcript(conn: psycopg.Connection, conversation_id: str) -> list[dict]:
    """Every stored row, for display and audits."""
    rows = conn.execute(
        """select role, content, tool_name, tool_input, tool_output, model, created_at from nex.chat_messages
            where conversation_id = %s order by id""",
        (conversation_id,),
    ).fetchall()
    keys = ("role", "content", "tool_name", "tool_input", "tool_output", "model", "created_at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def listed(conn: psycopg.Connection, limit: int = 50) -> list[dict]:
    """Conversations, most recently active first, with how many messages each holds."""
    rows = conn.execute(
        """select c.id::text, c.title, c.persona, c.model, c.created_at, c.updated_at,
                  (select count(*) from nex.chat_messages m where m.conversation_id = c.id)
             from nex.chat_conversations c order by c.updated_at desc limit %s""",
        (limit,),
    ).fetchall()
    keys = ("id", "title", "persona", "model", "created_at", "updated_at", "messages")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def rename(conn: psycopg.Connection, conversation_id: str, title: str) -> None:
    title = " ".join(title.split())[:200]
    if not title:
        raise ValueError("a conversation needs a title")
    if not exists(conn, conversation_id):
        raise ConversationNotFound(f"no conversation {conversation_id!r}")
    conn.execute("update nex.chat_conversations set title = %s where id = %s", (title, conversation_id))


def delete(conn: psycopg.Connection, conversation_id: str) -> None:
    """The conversation and, by the foreign key's cascade, every message of it."""
    if not exists(conn, conversation_id):
        raise ConversationNotFound(f"no conversation {conversation_id!r}")
    conn.execute("delete from nex.chat_conversations where id = %s", (conversation_id,))
