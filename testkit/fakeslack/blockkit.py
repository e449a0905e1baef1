"""Block Kit limits as Slack enforces them on the server side.

Only limits that a bot producing user-supplied text can realistically hit are checked;
each problem is reported in the ``[ERROR] ...`` style of Slack's response_metadata.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_ANY_TEXT = 40_000
MAX_MESSAGE_TEXT = 40_000

_BLOCK_TYPES = {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "header",
    "file",
    "rich_text",
    "video",
    "markdown",
}
_TEXT_TYPES = {"plain_text", "mrkdwn"}


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, why: str) -> None:
        self.problems.append(f"[ERROR] {why} [json-pointer:{path}]")

    def text_obj(
        self,
        obj: Any,
        path: str,
        max_len: int,
        plain_only: bool = False,
    ) -> None:
        if not isinstance(obj, dict):
            self.fail(path, "must be a text object")
            return
        kind = obj.get("type")
        if kind not in _TEXT_TYPES or (plain_only and kind != "plain_text"):
            allowed = "plain_text" if plain_only else "plain_text or mrkdwn"
            self.fail(f"{path}/type", f"must be {allowed}")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail(f"{path}/text", "must be more than 0 characters")
        elif len(text) > max_len:
            self.fail(f"{path}/text", f"must be less than {max_len + 1} characters")

    def max_str(self, obj: dict[str, Any], key: str, path: str, max_len: int) -> None:
        value = obj.get(key)
        if isinstance(value, str) and len(value) > max_len:
            self.fail(f"{path}/{key}", f"must be less than {max_len + 1} characters")

    def option(self, opt: Any, path: str) -> None:
        if not isinstance(opt, dict):
            self.fail(path, "must be an option object")
            return
        self.text_obj(opt.get("text"), f"{path}/text", 75)
        self.max_str(opt, "value", path, 150)

    def element(self, el: Any, path: str, action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.fail(path, "must be an object")
            return
        action_id = el.get("action_id")
        if isinstance(action_id, str):
            if len(action_id) > 255:
                self.fail(f"{path}/action_id", "must be less than 256 characters")
            if action_id in action_ids:
                self.fail(f"{path}/action_id", "duplicate action_id in block")
            action_ids.add(action_id)
        kind = el.get("type")
        if kind == "button":
            self.text_obj(el.get("text"), f"{path}/text", 75, plain_only=True)
            self.max_str(el, "value", path, 2000)
            self.max_str(el, "url", path, 3000)
        elif kind in {"static_select", "multi_static_select"}:
            options = el.get("options") or []
            if len(options) > 100:
                self.fail(f"{path}/options", "must provide at most 100 items")
            for i, opt in enumerate(options):
                self.option(opt, f"{path}/options/{i}")
            groups = el.get("option_groups")
            if groups is not None:
                if "options" in el:
                    self.fail(path, "must provide either options or option_groups")
                if not isinstance(groups, list) or len(groups) > 100:
                    self.fail(f"{path}/option_groups", "must provide at most 100 items")
                    groups = []
                for g, group in enumerate(groups):
                    gpath = f"{path}/option_groups/{g}"
                    if not isinstance(group, dict):
                        self.fail(gpath, "must be an option group object")
                        continue
                    self.text_obj(group.get("label"), f"{gpath}/label", 75, plain_only=True)
                    group_options = group.get("options") or []
                    if len(group_options) > 100:
                        self.fail(f"{gpath}/options", "must provide at most 100 items")
                    for i, opt in enumerate(group_options):
                        self.option(opt, f"{gpath}/options/{i}")
        elif kind == "overflow":
            options = el.get("options") or []
            if not 1 <= len(options) <= 5:
                self.fail(f"{path}/options", "must provide between 1 and 5 items")
            for i, opt in enumerate(options):
                self.option(opt, f"{path}/options/{i}")
        elif kind in {"checkboxes", "radio_buttons"}:
            options = el.get("options") or []
            if len(options) > 10:
                self.fail(f"{path}/options", "must provide at most 10 items")
            for i, opt in enumerate(options):
                self.option(opt, f"{path}/options/{i}")
        elif kind == "plain_text_input":
            max_length = el.get("max_length")
            if isinstance(max_length, int) and max_length > 3000:
                self.fail(f"{path}/max_length", "must be at most 3000")
            initial = el.get("initial_value")
            if isinstance(initial, str) and len(initial) > min(max_length or 3000, 3000):
                self.fail(f"{path}/initial_value", "must not be longer than max_length")
        elif kind == "image":
            self.max_str(el, "image_url", path, 3000)
            self.max_str(el, "alt_text", path, 2000)
        if "placeholder" in el:
            self.text_obj(el["placeholder"], f"{path}/placeholder", 150, plain_only=True)

    def block(self, block: Any, path: str, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.fail(path, "must be an object")
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.fail(f"{path}/type", f"unsupported block type {kind!r}")
            return
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if len(block_id) > 255:
                self.fail(f"{path}/block_id", "must be less than 256 characters")
            if block_id in block_ids:
                self.fail(f"{path}/block_id", "duplicate block_id")
            block_ids.add(block_id)
        action_ids: set[str] = set()
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail(path, "must provide text or fields")
            if "text" in block:
                self.text_obj(block["text"], f"{path}/text", 3000)
            fields = block.get("fields") or []
            if len(fields) > 10:
                self.fail(f"{path}/fields", "must provide at most 10 items")
            for i, field in enumerate(fields):
                self.text_obj(field, f"{path}/fields/{i}", 2000)
            if "accessory" in block:
                self.element(block["accessory"], f"{path}/accessory", action_ids)
        elif kind == "header":
            self.text_obj(block.get("text"), f"{path}/text", 150, plain_only=True)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                self.fail(f"{path}/elements", "must provide between 1 and 10 items")
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") in _TEXT_TYPES:
                    self.text_obj(el, f"{path}/elements/{i}", 3000)
                else:
                    self.element(el, f"{path}/elements/{i}", action_ids)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                self.fail(f"{path}/elements", "must provide between 1 and 25 items")
            for i, el in enumerate(elements):
                self.element(el, f"{path}/elements/{i}", action_ids)
        elif kind == "input":
            self.text_obj(block.get("label"), f"{path}/label", 2000, plain_only=True)
            if "hint" in block:
                self.text_obj(block["hint"], f"{path}/hint", 2000, plain_only=True)
            if "element" not in block:
                self.fail(path, "must provide an element")
            else:
                self.element(block["element"], f"{path}/element", action_ids)
        elif kind == "image":
            self.max_str(block, "image_url", path, 3000)
            self.max_str(block, "alt_text", path, 2000)

    def any_text(self, node: Any, path: str) -> None:
        # Slack caps every text field at 40k characters, wherever it sits.
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str) and len(value) > MAX_ANY_TEXT:
                    self.fail(f"{path}/text", f"must be less than {MAX_ANY_TEXT + 1} characters")
                else:
                    self.any_text(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                self.any_text(item, f"{path}/{i}")


def block_problems(blocks: Any, max_blocks: int) -> list[str]:
    """Problems Slack would report for ``blocks``; empty when Slack would accept them."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.fail("", "blocks must be an array")
        return checker.problems
    if len(blocks) > max_blocks:
        checker.fail("", f"no more than {max_blocks} items allowed")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        checker.block(block, f"/blocks/{i}", block_ids)
    checker.any_text(blocks, "/blocks")
    return checker.problems


def view_problems(view: Any) -> list[str]:
    """Problems Slack would report for a modal or home tab view."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("/view", "must be an object")
        return checker.problems
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        checker.fail("/view/type", "must be modal or home")
    if kind == "modal":
        checker.text_obj(view.get("title"), "/view/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                checker.text_obj(view[key], f"/view/{key}", 24, plain_only=True)
        has_input = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
        )
        if has_input and "submit" not in view:
            checker.fail("/view/submit", "must provide submit when the view has input blocks")
    checker.max_str(view, "private_metadata", "/view", 3000)
    checker.max_str(view, "callback_id", "/view", 255)
    checker.max_str(view, "external_id", "/view", 255)
    problems = checker.problems
    problems.extend(block_problems(view.get("blocks", []), MAX_VIEW_BLOCKS))
    return problems
