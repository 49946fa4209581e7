"""Pages for people. For now one overview of the three lists; no personal data is shown."""

from __future__ import annotations

from html import escape

from aiohttp import web

from catalog import stats

_LIST_NAMES = {"need": "需求清单", "resource": "资源清单", "project": "项目清单", "unit": "成员单位"}


async def overview(request: web.Request) -> web.Response:
    from .app import POOL

    pool = request.app[POOL]
    counts = await stats.status_counts(pool)
    recent = await stats.recent_public_projects(pool, limit=15)
    blocks = []
    for key in ("need", "resource", "project", "unit"):
        items = "".join(
            f"<li>{escape(c.label)} <b>{c.count}</b></li>" for c in counts[key] if c.count
        ) or "<li>暂无</li>"
        blocks.append(f"<section><h2>{_LIST_NAMES[key]}</h2><ul>{items}</ul></section>")
    rows = "".join(
        f"<tr><td>{escape(p.number)}</td><td>{escape(p.title)}</td><td>{escape(p.category_name)}</td>"
        f"<td>{escape(p.community_name)}</td><td>{escape(p.status_label)}</td></tr>"
        for p in recent
    )
    html = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>三单联动 · 概览</title>
<style>
body {{ font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2rem; color: #222; }}
.lists {{ display: flex; flex-wrap: wrap; gap: 1.5rem; }}
section {{ border: 1px solid #ddd; border-radius: 8px; padding: 0 1rem; min-width: 12rem; }}
table {{ border-collapse: collapse; margin-top: 1rem; }}
td, th {{ border-bottom: 1px solid #eee; padding: .3rem .8rem; text-align: left; }}
</style></head>
<body>
<h1>三单联动：居民点单 · 社区下单 · 联盟接单</h1>
<div class="lists">{''.join(blocks)}</div>
<h2>最近动态（项目公示）</h2>
<table><thead><tr><th>编号</th><th>项目</th><th>类别</th><th>社区</th><th>状态</th></tr></thead>
<tbody>{rows or '<tr><td colspan="5">暂无项目</td></tr>'}</tbody></table>
<p><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></p>
</body></html>"""
    return web.Response(text=html, content_type="text/html")
