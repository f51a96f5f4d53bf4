"""`nex ask "question"`: an answer streamed to the terminal, with the SQL it ran and the entries it cited."""

from __future__ import annotations

import argparse
import json
import sys


def _print_answer(answer) -> None:
    ok = [q for q in answer.queries if not q.get("error")]
    if ok:
        print("\nSQL:")
        for q in ok:
            rows = f"  -- {q.get('row_count', 0)} rows{' (cut)' if q.get('truncated') else ''}"
            print(f"  {q['sql']};{rows}")
    if answer.cited:
        print("\nDictionary entries relied on:")
        for e in answer.cited:
            print(f"  [{e.ref}] {e.text[:160]}  ({e.source})")
    print(f"\nanswered by: {answer.model or 'no model (computed facts and rules)'}")
    cid = answer.conversation_id
    print(f"\nconversation {cid}  (resume: nex ask --conversation {cid} ...)")


def cmd_ask(args: argparse.Namespace) -> int:
    from nex_assets.chat.ask import ask
    from nex_assets.chat.context import ToolContext
    from nex_assets.chat.conversations import ConversationNotFound
    from nex_assets.chat.personas import PersonaError, load_persona
    from nex_assets.llm import LLM

    try:
        persona = load_persona(args.persona)
    except PersonaError as exc:
        print(f"nex: {exc}", file=sys.stderr)
        return 1
    with ToolContext.open() as ctx:
        client = LLM.client(ctx.database, asking=True, on_start=lambda note: print(note, file=sys.stderr))
        stream = (lambda _t: None) if args.json else (lambda t: print(t, end="", flush=True))
        try:
            answer = ask(
                ctx,
                args.question,
                client=client,
                persona=persona,
                conversation_id=args.conversation,
                on_text=stream,
            )
        except (ConversationNotFound, ValueError) as exc:
            print(f"nex: {exc}", file=sys.stderr)
            return 1
        finally:
            client.close()
    if args.json:
        print(json.dumps(answer.as_dict(), default=str))
        return 0
    if answer.fallback:
        print(answer.text)
    else:
        print()
    _print_answer(answer)
    return 0


def register(sub) -> None:
    p = sub.add_parser("ask", help="ask a question about the data in plain language (read-only)")
    p.add_argument("question")
    p.add_argument("--conversation", default=None, help="resume a conversation by its id")
    p.add_argument(
        "--persona", default=None, help="a persona of config/personas.yaml (analyst, sql, advisor)"
    )
    p.add_argument(
        "--json", action="store_true", help="print the answer, SQL and citations as one JSON object"
    )
    p.set_defaults(func=cmd_ask)
