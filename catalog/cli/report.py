"""The summary of a ``sandan batch`` run for a person (``--json`` is for scripts)."""

from __future__ import annotations

from catalog.batch.summary import SKIP_LABELS
from catalog.cli.display import phase_label

_SCOPE_WORDS = {"county": "全县", "street": "街道", "community": "社区"}
_KIND_WORDS = {"claim": "认领", "directed": "定向派单", "proposal": "优化派单"}
# Lines per list at a terminal; --json has them all.
_SHOWN = 30


def _scope_label(scope: str, names) -> str:
    kind, _, code = scope.partition(":")
    if code and code in names.areas:
        return f"{names.areas[code]} [{code}]"
    return f"{_SCOPE_WORDS.get(kind, kind)} {code}".strip()


def _unit(names, unit_id: int) -> str:
    """A unit by its name, its id in brackets (ids are what the API and the run records use)."""
    name = names.units.get(unit_id)
    return f"{name} [{unit_id}]" if name else f"成员单位 [{unit_id}]"


def _listed(items: list, line) -> None:
    for x in items[:_SHOWN]:
        print(line(x))
    if len(items) > _SHOWN:
        print(f"    ……另有 {len(items) - _SHOWN} 个（--json 可看全部）")


def _proposal_line(p, names) -> str:
    part = "协办" if p.role == "helper" else "主办"
    resource = names.resources.get(p.resource_id)
    resource = f"资源“{resource}” [{p.resource_id}]" if resource else f"资源 [{p.resource_id}]"
    text = f"    {p.project} → {part} {_unit(names, p.unit_id)}，{resource}，得分 {p.score:.3f}"
    if p.runner_ups:
        r = p.runner_ups[0]
        text += f"；次选 {_unit(names, int(r['unit_id']))}（{r['score']:.3f} 分，输在{r['label']}）"
    return text


def print_batch(s, names) -> None:
    """The run summary for a person (``--json`` is for scripts), with units, resources and
    communities by name. A dry run says what would change against the current proposals."""
    dry = s.dry_run
    head = "（试运行，未写入）" if dry else f"（运行记录 #{s.run_id}）"
    print(f"批量派单：{_scope_label(s.scope, names)}{head}")
    verb = "将过期" if dry else "已过期"
    print(f"  {verb}认领/派单 {s.expired} 个，未评价结单 {s.closed_unrated} 个")
    if dry:
        _listed(s.expiring, lambda e: f"    {e.project} {_unit(names, e.unit_id)} 的{_KIND_WORDS.get(e.kind, e.kind)}"
                f"（{e.expires_at:%Y-%m-%d %H:%M} 到期），项目将重新开放")
    limits = s.sweep.get("time_limits")
    if limits:
        print(f"  时限：红灯 {limits['red']} 个，黄灯 {limits['yellow']} 个，蓝灯 {limits['blue']} 个；"
              f"{'将' if dry else '已'}新列督办 {limits['raised']} 个，{'将' if dry else '已'}解除督办 "
              f"{limits['resolved']} 个，逾期记信用 {limits['credited']} 次")
    print(f"  项目 {s.projects} 个，资源 {s.resources} 个；"
          f"目标值 {s.objective:.3f}，上界 {s.bound:.3f}，差距 {s.gap:.4%}")
    verb = "将新派单" if dry else "已派单"
    helpers = sum(1 for p in s.proposed if p.role == "helper")
    print(f"  {verb} {len(s.proposed)} 个" + (f"（其中协办 {helpers} 个）" if helpers else ""))
    _listed(s.proposed, lambda p: _proposal_line(p, names))
    _listed(s.skipped, lambda k: f"    跳过 {k.project}：{SKIP_LABELS.get(k.code, k.code)}（{k.code}）")
    if dry:
        print(f"  因成员单位已拒绝而不再派给它 {len(s.declined)} 对")
        _listed(s.declined, lambda d: f"    {d.project} ✗ {_unit(names, d.unit_id)}")
    verb = "仍未匹配" if dry else "未匹配"
    by_code: dict[str, list] = {}
    for u in s.unmatched_projects:
        by_code.setdefault(u.code, []).append(u)
    for code, items in sorted(by_code.items()):
        print(f"  {verb} {len(items)} 个：{items[0].label}（{code}）")
        _listed(items, lambda u: f"    {u.project}（{names.areas.get(u.community) or '社区 ' + u.community}）"
                + (f"，名额给了 {u.taken_by_project}" if u.taken_by_project else ""))
    if s.phases:
        print("  用时：" + "，".join(f"{phase_label(k)} {v:.2f} s" for k, v in s.phases.items()))

