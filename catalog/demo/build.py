"""A demo county (汾河县, fictional), loaded deterministically through the service functions.

The shape follows the alliance reports: two streets, six communities, twenty grids; 58 member
units (19 departments, 14 talent studios, 25 professional associations); 45 listed resources in
the five categories; about 300 needs in the words a grid worker would write down; and some 80
projects left at every stage of their lifecycle, with the detours real work takes (declined and
expired offers, released and rejected claims, units giving work back, late finishes), so that
history, the credit ledger and unit scores are all the product of real commands. The six units
with demo accounts each have an offer to answer, a proposal of the batch job, open projects the
engine suggests to them, work in progress and rated work (SHOWCASE_UNITS).

Everything goes through ``catalog`` service functions, inside one transaction: a failed load
leaves nothing behind, and two loads racing each other cannot both pass the emptiness check.
At the end the stories are spread over the past weeks (needs waited, offers went unanswered,
work ran late), and the batch job runs once, as it would every half hour: its sweep colours the
time limits and fills the supervision list (督办), and its write leaves the proposals, their
explanations and the run record. Text and choices come from ``random.Random(seed)``; only
timestamps and closing tokens differ between two loads with the same seed.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg
from pydantic import BaseModel, ConfigDict

from catalog.people import accounts
from catalog.batch import job as batch
from catalog.batch.summary import PARAMS as BATCH_PARAMS, BatchSummary, Progress, Scope
from catalog.lists import directory, needs, projects, resources
from catalog.enums import (
    AreaLevel,
    AssignmentKind,
    AssignmentStatus,
    DeclineReason,
    DispatchMode,
    Labelled,
    NeedStatus,
    Outcome,
    ProjectStatus,
    RejectReason,
    ResourceStatus,
    Role,
    ServiceMode,
    SourceChannel,
    UnitType,
    Urgency,
)
from catalog.errors import Conflict
from catalog.models import (
    AccountIn,
    Actor,
    AreaIn,
    ClosingIn,
    CompletionIn,
    Need,
    NeedIn,
    ProgressIn,
    ProjectIn,
    ReasonIn,
    RejectIn,
    ResourceIn,
    UnitIn,
    WeeklySlot,
)
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

__all__ = ["DemoSummary", "has_data", "load_demo"]

log = logging.getLogger(__name__)

TZ = dt.timezone(dt.timedelta(hours=8))

# Read-only checks and the summary's counts. Small, and only the demo needs them.
class DemoSummary(BaseModel):
    """What was loaded: counts per entity and status, and the open closing links."""

    model_config = ConfigDict(frozen=True)

    seed: int
    areas: dict[str, int]
    units: dict[str, int]
    resources: dict[str, int]
    needs: dict[str, int]
    projects: dict[str, int]
    assignments: dict[str, int]
    progress_entries: int
    ratings: int
    credit_events: int
    # (project number, token) of every project waiting for the resident's 结单: the token is
    # shown only here, since the database keeps its hash alone.
    closing_links: list[tuple[str, str]]
    # (username, role) of every demo account; all share DEMO_PASSWORD.
    accounts: list[tuple[str, str]] = []

    def __str__(self) -> str:
        def line(title: str, counts: dict[str, int], labels: type[Labelled]) -> str:
            parts = "，".join(f"{labels(k).label} {counts[k]}" for k in labels if k in counts)
            return f"{title}：{sum(counts.values())}（{parts}）"

        rows = [
            f"演示数据（seed={self.seed}）",
            line("区域", self.areas, AreaLevel),
            line("成员单位", self.units, UnitType),
            line("资源", self.resources, ResourceStatus),
            line("需求", self.needs, NeedStatus),
            line("项目", self.projects, ProjectStatus),
            line("认领/派单", self.assignments, AssignmentStatus),
            f"进展 {self.progress_entries}，评价 {self.ratings}，信用记录 {self.credit_events}",
            "待结单项目的结单令牌：",
            *(f"  {number}  {token}" for number, token in self.closing_links),
            f"演示账号（密码均为 {DEMO_PASSWORD}）：",
            *(f"  {username}  {Role(role).label}" for username, role in self.accounts),
        ]
        return "\n".join(rows)


async def has_data(db: Db) -> bool:
    """True when the database already holds member units or needs (so the demo must not load)."""
    async with connection(db) as conn:
        return bool(await conn.fetchval(q("demo_has_data")))


async def load_demo(db: Db, *, seed: int = 7) -> DemoSummary:
    """Load the demo county into an empty database; ``Conflict('demo_exists')`` otherwise.

    One transaction: every service call below runs in a savepoint of it, so their own rules
    (guarded transitions, caps, history, credit) apply unchanged, and a failure rolls all back.
    """
    # One hash for the shared demo password: argon2 is slow on purpose.
    password_hash = await accounts.hash_password(DEMO_PASSWORD)
    # Repeatable read, as the batch job's snapshot asks of the transaction it reads in: its read
    # becomes a savepoint of this one and sees everything loaded so far.
    async with connection(db) as conn, conn.transaction(isolation="repeatable_read"):
        await conn.execute(q("demo_lock"))
        if bool(await conn.fetchval(q("demo_has_data"))):
            raise Conflict("数据库中已有成员单位或需求，不能加载演示数据", code="demo_exists")
        builder = _Builder(conn, random.Random(seed))
        await builder.build()
        made = await _demo_accounts(conn, builder, password_hash)
        now = await conn.fetchval(q("demo_now"))
        await _backdate(conn, builder, now)
        run = await _first_batch_run(conn, now)
        summary = await _summarise(conn, seed, builder.closing_links)
        log.info("demo: batch run %s proposed %d, time limits %s", run.run_id, len(run.proposed),
                 run.sweep.get("time_limits"))
        return summary.model_copy(update={"accounts": made})


# --- after the stories: their times, and the first run of the batch job ---------------------------

_GUARDS = ("", "_ratings", "_credit")


async def _backdate(conn: asyncpg.Connection, builder: _Builder, now: dt.datetime) -> None:
    """Spread the stories over the past weeks (``demo_backdate``): every service call stamped
    its rows with the load's moment, and a newcomer should see projects that waited, ran late
    and were rated days ago, so that time limits, charts and ledgers read like a real month."""
    r = builder.rng
    pids, starts, ends, shifts = [], [], [], []
    for plan in builder.plans:
        if not plan.project_id:
            continue
        lo, hi = _LAST_STEP_HOURS[plan.status]
        end_h = r.uniform(lo, hi)
        lo, hi = _STORY_DAYS[plan.status]
        start_h = end_h + 24 * r.uniform(lo, hi)
        shift_h = start_h
        if plan.story == "late":  # planned to end about a third of the way into its story
            planned_end = dt.datetime.combine(builder.today - dt.timedelta(days=5), dt.time(9), TZ)
            target = now - dt.timedelta(hours=start_h - (start_h - end_h) / 3)
            shift_h = (planned_end - target).total_seconds() / 3600
        pids.append(plan.project_id)
        starts.append(round(start_h * 60))
        ends.append(round(end_h * 60))
        shifts.append(round(shift_h * 60))
    nids, nstarts, nends = [], [], []
    for need_id, status in builder.loose_needs:
        # a pending need waits from an hour to four days (its review clock: 1 working day)
        end_h = r.uniform(1, 100) if status == "pending" else r.uniform(24, 600)
        nids.append(need_id)
        nends.append(round(end_h * 60))
        nstarts.append(round((end_h + (0 if status == "pending" else r.uniform(2, 48))) * 60))
    for g in _GUARDS:
        await conn.execute(q(f"demo_guards_off{g}"))
    moved = await conn.fetchrow(q("demo_backdate"), now, pids, starts, ends, shifts, nids, nstarts, nends)
    for g in _GUARDS:
        await conn.execute(q(f"demo_guards_on{g}"))
    log.debug("demo backdated: %s", dict(moved))


# Hours before the load since the project's last step (so the clock of the step it waits on runs
# this long), and days its story took before that. Pending claims and offers stay within their
# 48 hours, projects awaiting the resident within the 7 closing days.
_LAST_STEP_HOURS = {
    "draft": (2, 72), "published": (1, 32), "claiming": (1, 30), "dispatched": (1, 30),
    "accepted": (6, 72), "in_progress": (12, 120), "awaiting_close": (8, 130),
    "closed": (24, 480), "rated": (24, 720), "cancelled": (24, 480),
}
_STORY_DAYS = {
    "draft": (0.2, 2), "published": (1, 5), "claiming": (1, 5), "dispatched": (1, 5),
    "accepted": (2, 8), "in_progress": (4, 12), "awaiting_close": (6, 16),
    "closed": (14, 25), "rated": (8, 30), "cancelled": (3, 15),
}


async def _first_batch_run(conn: asyncpg.Connection, now: dt.datetime) -> BatchSummary:
    """The batch job's four phases, county-wide, exactly as ``sandan batch`` runs them, but on
    the load's connection and inside its transaction: the sweep (nothing to expire; time-limit
    colours and 督办), the snapshot, the solve, and the write of proposals, explanations and the
    run record. Only the batch lock is left out: nothing else sees the data before it commits."""
    summary = BatchSummary(scope=str(Scope()), seed=0, dry_run=False)
    progress = Progress()
    return await batch._phases(conn, Scope(), summary, batch._Clock(summary, progress), now=now,
                               params=BATCH_PARAMS, started_at=now, progress=progress)


# Documented in README.md; every demo account uses it. Never load the demo into a real database.
DEMO_PASSWORD = "sandan-demo-2024"
DEMO_UNIT_ACCOUNTS = 6


async def _demo_accounts(conn: asyncpg.Connection, builder: _Builder, password_hash: str) -> list[tuple[str, str]]:
    """A secretary and a grid worker (first grid) per community, an admin per street, the
    alliance administrator, the first few units and the batch job."""
    wanted: list[AccountIn] = []
    pw = DEMO_PASSWORD
    for m in COMMUNITIES:
        wanted.append(AccountIn(username=f"sec-{m.code}", display_name=f"{m.name}书记", password=pw,
                                role=Role.SECRETARY, community_code=m.code))
        grid = builder.grids[m.code][0][0]
        wanted.append(AccountIn(username=f"grid-{grid}", display_name=f"{m.name}网格员", password=pw,
                                role=Role.GRID_WORKER, community_code=m.code, grid_code=grid))
    for code, name in STREETS:
        wanted.append(AccountIn(username=f"street-{code}", display_name=f"{name}管理员", password=pw,
                                role=Role.STREET_ADMIN, street_code=code))
    wanted.append(AccountIn(username="alliance", display_name="联盟管理员", password=pw, role=Role.STREET_ADMIN))
    for u in builder.units[:DEMO_UNIT_ACCOUNTS]:
        wanted.append(AccountIn(username=f"unit-{u.id}", display_name=u.name, password=pw,
                                role=Role.UNIT, unit_id=u.id))
    wanted.append(AccountIn(username="batch", display_name="批量派单任务", password=pw, role=Role.BATCH))
    for a in wanted:
        await accounts.create_account(conn, a, password_hash=password_hash)
    return [(a.username, a.role.value) for a in wanted]


async def _summarise(conn: asyncpg.Connection, seed: int, links: list[tuple[str, str]]) -> DemoSummary:
    counts: dict[str, dict[str, int]] = {
        e: {} for e in ("areas", "units", "resources", "needs", "projects", "assignments")
    }
    for r in await conn.fetch(q("demo_counts")):
        counts[r["entity"]][r["k"]] = r["n"]
    totals = dict(await conn.fetchrow(q("demo_totals")))
    return DemoSummary(seed=seed, **counts, **totals, closing_links=links)


# --- the county ------------------------------------------------------------------------------

COUNTY = "汾河县"
DISTRICT_CODE = "141099"
CENTRE = (36.182, 111.624)
KM_LAT = 1 / 111.0
KM_LON = 1 / 89.8  # at about 36°N


@dataclass(frozen=True)
class _Community:
    code: str
    name: str
    street: str
    north_km: float
    east_km: float
    households: int
    grids: int
    compounds: tuple[str, ...]

    @property
    def lat(self) -> float:
        return round(CENTRE[0] + self.north_km * KM_LAT, 6)

    @property
    def lon(self) -> float:
        return round(CENTRE[1] + self.east_km * KM_LON, 6)


STREETS = (("141099001", "鼓楼街道"), ("141099002", "汾滨街道"))

COMMUNITIES = (
    _Community("141099001001", "槐荫社区", "141099001", 0.2, -2.6, 4820, 4,
               ("槐荫小区", "供销社家属院", "粮站宿舍", "槐树巷平房区")),
    _Community("141099001002", "文庙社区", "141099001", 1.9, -1.0, 3260, 3,
               ("文庙街小区", "教育局家属院", "鼓楼南巷平房区")),
    _Community("141099001003", "西关社区", "141099001", -1.6, -3.9, 2470, 3,
               ("西关新村", "纺织厂家属院", "西关一巷平房区")),
    _Community("141099002001", "滨河社区", "141099002", 0.5, 2.3, 6380, 4,
               ("滨河花园", "汾河湾小区", "水利局家属院", "滨河东路平房区")),
    _Community("141099002002", "新华社区", "141099002", 2.7, 3.6, 5150, 3,
               ("新华苑", "电厂生活区", "邮政家属院")),
    _Community("141099002003", "东城社区", "141099002", -1.3, 4.7, 3940, 3,
               ("东城嘉园", "火车站宿舍", "东关村安置小区")),
)

_COMMUNITY_BY_CODE = {m.code: m for m in COMMUNITIES}

GRID_NAMES = ("第一网格", "第二网格", "第三网格", "第四网格")

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛",
    "闫", "段", "雷", "侯", "史", "武", "乔", "牛", "任", "温", "秦", "郝",
)
GIVEN = (
    "建国", "秀兰", "志强", "丽华", "海燕", "晓东", "桂英", "玉梅", "文博", "红梅", "建平", "淑芬",
    "国庆", "俊杰", "雅琴", "永红", "春生", "小燕", "德胜", "翠花", "卫东", "金凤", "宏伟", "丽娟",
    "浩", "敏", "静", "磊", "军", "婷", "鹏", "霞", "瑞", "丹", "刚", "娜", "晨阳", "思远", "雨萱",
    "子涵", "宇航", "佳怡", "明辉", "凤英", "保平", "爱莲", "晋生", "润田",
)
ELDER_TITLES = ("大爷", "奶奶", "大娘", "老伯", "阿姨", "爷爷")
ADULT_TITLES = ("女士", "先生", "阿姨", "师傅", "大姐")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二")


# --- member units (19 + 14 + 25) -------------------------------------------------------------

DEPARTMENTS = (
    "民政局", "人力资源和社会保障局", "司法局", "卫生健康局", "住房和城乡建设局", "教育局",
    "文化和旅游局", "农业农村局", "市场监督管理局", "应急管理局", "退役军人事务局", "医疗保障局",
    "城市管理局", "科学技术局", "商务局", "水利局", "行政审批服务管理局", "交通运输局", "生态环境局",
)
# (the person a studio is named after, its speciality)
STUDIOS = (
    ("张海燕", "心理咨询"), ("李建国", "电工技能"), ("王秀兰", "家政服务"), ("赵志强", "法律服务"),
    ("刘芳", "中医推拿"), ("陈晓东", "创业指导"), ("杨丽华", "剪纸艺术"), ("孙文博", "书法教育"),
    ("周建平", "家电维修"), ("吴敏", "儿童成长"), ("郑红梅", "营养膳食"), ("马骏", "金融知识"),
    ("郭宇", "智能手机教学"), ("何静", "课业辅导"),
)
ASSOCIATIONS = (
    "老年人体育协会", "律师协会", "医师协会", "书法家协会", "美术家协会", "摄影家协会", "音乐家协会",
    "舞蹈家协会", "作家协会", "象棋协会", "太极拳协会", "志愿者协会", "家政服务协会", "物业管理协会",
    "心理咨询师协会", "注册会计师协会", "电气安装维修协会", "建筑装饰协会", "残疾人康复协会",
    "慈善协会", "个体劳动者协会", "电子商务协会", "中医药协会", "全民阅读促进会", "科普志愿者协会",
)


def _unit_name(kind: UnitType, short: str) -> str:
    return short if kind is UnitType.TALENT_STUDIO else f"{COUNTY}{short}"


# --- 资源清单: 45 listings ------------------------------------------------------------------
# (unit short name, category, title, content, skills, mode, fee or None, target groups,
#  projects per month, status). Status: "p" published, "w" waiting for review, "d" delisted.

H, V, O = ServiceMode.HOME, ServiceMode.VENUE, ServiceMode.ONLINE
RESOURCES: tuple[tuple, ...] = (
    ("王秀兰家政服务工作室", "public.elderly", "每周三上门助浴服务",
     "为行动不便的老人上门助浴，两人一组，自带防滑垫、洗浴椅，全程保护隐私。", ("助浴", "养老护理"), H, "20", ("老年人", "残疾人"), 8, "p"),
    ("家政服务协会", "public.elderly", "老年助餐送餐上门",
     "依托社区老年餐桌，每天中午为高龄、独居老人送餐，荤素搭配、少盐少油。", ("助餐",), H, "8", ("老年人",), 30, "p"),
    ("民政局", "public.elderly", "高龄独居老人探访关爱",
     "组织社工和志愿者每周探访高龄、独居、空巢老人，了解身体和生活状况，发现问题及时转介。", ("探访", "陪伴", "社工"), H, None, ("老年人",), 20, "p"),
    ("残疾人康复协会", "public.elderly", "残疾人居家康复指导",
     "康复师上门评估，制定居家训练计划，指导家属协助训练和辅具使用。", ("康复", "辅具适配"), H, None, ("残疾人",), 6, "p"),
    ("家政服务协会", "public.elderly", "居家保洁与适老化小改造",
     "为失能、半失能老人家庭提供居家保洁，加装扶手、防滑垫等小型适老化改造。", ("保洁", "适老化改造", "安装"), H, "30", ("老年人", "残疾人"), 10, "p"),
    ("卫生健康局", "public.health", "家庭医生签约与上门随访",
     "社区卫生服务站家庭医生团队为签约居民上门测血压血糖、随访慢病、调整用药。", ("慢病管理", "全科", "护理"), H, None, ("老年人", "残疾人"), 25, "p"),
    ("刘芳中医推拿工作室", "public.health", "中医推拿理疗进社区",
     "每周在社区卫生室坐诊，颈肩腰腿痛推拿、艾灸，教授居家保健手法。", ("推拿", "中医"), V, "15", ("老年人",), 12, "p"),
    ("郑红梅营养膳食工作室", "public.health", "老人和儿童营养膳食指导",
     "营养师讲解慢病饮食、儿童营养搭配，可线上一对一答疑。", ("营养",), O, None, ("老年人", "儿童"), 10, "p"),
    ("司法局", "public.legal", "劳动争议法律援助",
     "法律援助中心为追讨欠薪、工伤赔偿等劳动争议提供免费咨询、代写文书和代理。", ("法律援助", "劳动法"), V, None, ("新就业群体", "困难家庭"), 15, "p"),
    ("律师协会", "public.legal", "律师驻社区法律咨询",
     "每周二下午律师在社区党群服务中心坐班，解答婚姻家庭、继承、合同等问题。", ("法律咨询", "民法"), V, None, ("老年人", "困难家庭"), 12, "p"),
    ("赵志强法律服务工作室", "public.legal", "邻里和家庭纠纷调解",
     "调解员上门或到社区调解邻里、婚姻家庭纠纷，可线上预约。", ("人民调解", "法律咨询"), H, None, (), 10, "p"),
    ("李建国电工技能工作室", "public.repair", "电工维修进社区",
     "持证电工上门排查线路、更换开关插座灯具，材料由居民自备或按进价代购。", ("电工", "水电维修"), H, None, ("老年人", "困难家庭"), 15, "p"),
    ("周建平家电维修工作室", "public.repair", "家电义务检修",
     "每月第二个周六在社区广场义务检修小家电，上门检修大家电收取材料费。", ("家电维修",), V, "10", ("老年人",), 20, "p"),
    ("建筑装饰协会", "public.repair", "水管门窗小修小补",
     "会员企业师傅上门处理水管漏水、门锁、门窗玻璃、屋顶漏雨等小修，困难家庭免材料费。", ("水电维修", "门锁维修", "门窗维修", "防水维修", "管道疏通"), H, "30", ("老年人", "困难家庭"), 20, "p"),
    ("城市管理局", "public.environment", "楼院环境整治与垃圾清运",
     "环卫队清运积存垃圾、清理楼道杂物、疏通化粪池和下水管网。", ("环境整治", "管道疏通"), H, None, (), 10, "p"),
    ("物业管理协会", "public.environment", "无物业楼院托管服务",
     "会员物业企业托管无物业楼院，提供保洁、绿化、门禁维护等基础服务。", ("环境整治", "绿化", "电工"), V, None, (), 5, "p"),
    ("生态环境局", "public.environment", "垃圾分类宣传指导",
     "进小区讲解垃圾分类，发放分类垃圾袋，指导楼栋设置分类投放点。", ("垃圾分类指导",), V, None, (), 6, "d"),
    ("医疗保障局", "public.policy", "医保政策上门代办",
     "讲解医保缴费、异地就医备案、慢病认定，为行动不便居民上门代办。", ("医保政策",), H, None, ("老年人", "残疾人"), 10, "p"),
    ("市场监督管理局", "public.policy", "食品安全与防诈骗宣讲",
     "讲解保健品虚假宣传、食品安全常识和常见诈骗手法。", ("政策宣讲", "消费维权"), V, None, ("老年人",), 6, "p"),
    ("慈善协会", "charity.hardship", "困难家庭结对帮扶",
     "组织爱心人士与低保、低收入、大病家庭结对，定期走访，资助学习和生活用品。", ("帮扶", "社工"), H, None, ("困难家庭", "儿童"), 10, "p"),
    ("商务局", "charity.donation", "爱心企业物资捐赠对接",
     "对接商超、爱心企业捐赠米面油、衣物被褥和学习用品。", ("物资捐赠",), V, None, ("困难家庭",), 6, "p"),
    ("农业农村局", "charity.donation", "助农爱心蔬菜进社区",
     "组织合作社平价直供蔬菜进社区，向困难家庭赠送爱心菜包。", ("物资捐赠",), V, "5", ("困难家庭", "老年人"), 4, "p"),
    ("吴敏儿童成长工作室", "charity.childcare", "四点半课堂",
     "放学后在社区活动室看护孩子写作业，开展阅读、手工、安全教育。", ("托管", "课业辅导"), V, None, ("儿童",), 4, "p"),
    ("教育局", "charity.childcare", "暑期少儿托管班",
     "暑期组织在职教师和大学生志愿者在社区开设托管班，看护加兴趣课。", ("托管", "课业辅导"), V, None, ("儿童",), 3, "p"),
    ("张海燕心理咨询工作室", "charity.counselling", "心理咨询与情绪疏导",
     "国家二级心理咨询师一对一咨询，面向丧偶、失业、厌学等情绪困扰，可线上预约。", ("心理咨询",), O, None, ("老年人", "儿童", "困难家庭"), 12, "p"),
    ("心理咨询师协会", "charity.counselling", "青少年心理健康讲座与辅导",
     "进社区、进学校开展心理健康讲座，对有需要的青少年和家长个别辅导。", ("心理咨询",), V, None, ("儿童",), 6, "p"),
    ("志愿者协会", "charity.volunteer", "志愿者陪伴与代办",
     "为老人和残疾人代购、代缴、陪同就医、协助办理认证等跑腿服务。", ("代购代办", "陪诊", "陪伴"), H, None, ("老年人", "残疾人"), 30, "p"),
    ("人力资源和社会保障局", "employment.guidance", "就业岗位推送与求职指导",
     "登记失业人员，推送就近岗位，指导简历和面试，办理失业登记。", ("就业指导",), V, None, ("困难家庭", "高校毕业生"), 20, "p"),
    ("个体劳动者协会", "employment.guidance", "灵活就业与新就业群体服务",
     "为外卖骑手、快递员、网约车司机等讲解参保、权益保护，推荐岗位。", ("就业指导", "社保政策"), O, None, ("新就业群体",), 10, "p"),
    ("电子商务协会", "employment.training", "农产品直播带货培训",
     "手把手教短视频拍摄、直播卖货和网店运营，结业推荐到电商企业。", ("电商培训",), V, None, ("妇女", "新就业群体"), 3, "p"),
    ("王秀兰家政服务工作室", "employment.training", "育婴员和养老护理员培训",
     "面向待业妇女开展育婴员、养老护理员培训，推荐上岗。", ("技能培训", "养老护理"), V, None, ("妇女", "困难家庭"), 2, "p"),
    ("陈晓东创业指导工作室", "employment.startup", "创业项目一对一辅导",
     "帮助梳理创业想法、测算成本，指导申请创业担保贷款。", ("创业指导", "金融"), O, None, ("高校毕业生", "新就业群体"), 8, "p"),
    ("行政审批服务管理局", "employment.startup", "营业执照帮办代办",
     "帮办员指导网上办理营业执照、食品经营许可，行动不便者可上门。", ("证照办理",), V, None, (), 15, "p"),
    ("杨丽华剪纸艺术工作室", "culture.activities", "剪纸非遗兴趣课",
     "非遗传承人教剪纸，每期六次课，材料由工作室提供。", ("剪纸", "文艺"), V, None, ("老年人", "儿童"), 4, "p"),
    ("象棋协会", "culture.activities", "社区象棋擂台赛",
     "协助社区组织象棋比赛和日常对弈，提供棋具和裁判。", ("棋类",), V, None, ("老年人",), 3, "w"),
    ("音乐家协会", "culture.performance", "送文艺进社区演出",
     "节假日送演出到社区，晋剧、蒲剧、歌舞，也可指导居民排练节目。", ("文艺", "演出"), V, None, (), 2, "p"),
    ("老年人体育协会", "culture.fitness", "门球与健身气功教学",
     "组织门球队、健身气功站点，教练每周两次辅导。", ("健身指导",), V, None, ("老年人",), 4, "p"),
    ("太极拳协会", "culture.fitness", "太极拳晨练辅导",
     "每天早上七点在社区广场带练二十四式太极拳，纠正动作。", ("太极拳", "健身指导"), V, None, ("老年人",), 6, "p"),
    ("全民阅读促进会", "culture.reading", "社区亲子读书会",
     "每月两次亲子共读，配送图书，培训社区阅读推广人。", ("阅读推广",), V, None, ("儿童",), 4, "p"),
    ("作家协会", "culture.reading", "家风故事分享会",
     "作家和老党员讲家风家训故事，征集居民家庭故事。", ("阅读推广", "文艺"), V, None, ("老年人",), 2, "w"),
    ("注册会计师协会", "talent.consulting", "个税汇算与家庭账务咨询",
     "注册会计师指导个税年度汇算、专项附加扣除填报和家庭记账。", ("财税咨询",), O, None, (), 10, "p"),
    ("何静课业辅导工作室", "talent.tutoring", "初中数学英语课业辅导",
     "退休教师和师范生周末辅导，困难家庭子女免费。", ("课业辅导",), V, None, ("儿童", "困难家庭"), 6, "p"),
    ("孙文博书法教育工作室", "talent.tutoring", "少儿硬笔书法辅导",
     "每周六上午在社区教室教硬笔书法，纠正握笔姿势。", ("书法", "课业辅导"), V, None, ("儿童",), 4, "p"),
    ("郭宇智能手机教学工作室", "talent.technology", "老年人智能手机教学",
     "教老人用手机挂号、视频通话、缴水电费、识别诈骗信息，可上门一对一。", ("智能手机教学",), H, None, ("老年人",), 12, "p"),
    ("马骏金融知识工作室", "talent.finance", "防范非法集资与理财知识讲座",
     "讲解识别非法集资、养老诈骗，解答存款、保险、理财问题，可线上答疑。", ("金融知识",), O, None, ("老年人",), 6, "p"),
)


def _short_to_kind() -> dict[str, UnitType]:
    table: dict[str, UnitType] = {}
    studios = tuple(f"{owner}{speciality}工作室" for owner, speciality in STUDIOS)
    for names, kind in ((DEPARTMENTS, UnitType.DEPARTMENT), (studios, UnitType.TALENT_STUDIO),
                        (ASSOCIATIONS, UnitType.ASSOCIATION)):
        for n in names:
            table[n] = kind
    return table


# --- 需求清单: templates × slots --------------------------------------------------------------


@dataclass(frozen=True)
class _T:
    """A need template. ``picks`` are template-own slots; group needs size ``count`` people."""

    title: str
    desc: str
    theme: str
    skills: tuple[str, ...]
    groups: tuple[str, ...] = ()
    picks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    count: tuple[int, int] = (1, 3)
    urgent: float = 0.1
    long_term: float = 0.05


ILLS = ("高血压", "糖尿病", "冠心病", "慢阻肺", "类风湿")
TEMPLATES: dict[str, tuple[_T, ...]] = {
    "public.elderly": (
        _T("{addr}独居老人{elder}需要定期上门助浴",
           "{compound}{addr}的{elder}今年{age}岁，独居，{reason}，自己洗澡有困难，家里卫生间没有扶手。希望每{freq}有人上门协助洗澡。",
           "上门助浴", ("助浴", "养老护理"), ("老年人",),
           {"reason": ("腿脚不便", "去年冬天摔过一跤", "有脑梗后遗症", "子女都在外地打工"), "freq": ("周", "两周", "周三下午")}),
        _T("{elder}家中无人做饭，申请助餐送餐",
           "{elder}（{age}岁）和老伴住在{compound}{addr}，老伴患{ill}，{elder}本人{weak}，做饭困难。希望每天中午送一份餐，可以接受低偿。",
           "助餐送餐", ("助餐",), ("老年人",), {"weak": ("手抖拿不稳锅铲", "视力不好", "刚做完白内障手术")}),
        _T("高龄老人{elder}需要上门理发",
           "{elder}{age}岁，长期卧床，已经两个多月没有理发，家属希望{weekday}上午有人上门理发、剪指甲。",
           "上门理发", ("养老护理",), ("老年人",), long_term=0.1),
        _T("失能老人{elder}家需要居家保洁",
           "{compound}{addr}{elder}失能在床，老伴{age}岁也照顾不过来，家里{mess}，希望安排人员上门做一次彻底保洁，之后每月一次。",
           "居家保洁", ("保洁",), ("老年人", "残疾人"), {"mess": ("厨房油污很重", "杂物堆得下不去脚", "卫生间有异味")}),
        _T("{compound}空巢老人希望有人定期探访",
           "{compound}有{n}位空巢、独居老人，子女常年不在身边。楼栋长担心老人突发疾病没人知道，希望安排志愿者每周上门探访、聊聊天，顺便看看水电燃气。",
           "空巢老人探访", ("探访", "陪伴"), ("老年人",), count=(5, 18), long_term=0.4),
        _T("残疾人{person}需要居家康复训练指导",
           "{compound}{addr}住户{person}，{dis}，出院后在家康复。家里人不知道该怎么做康复训练，希望有专业人员上门评估、教家属怎么帮忙。",
           "居家康复指导", ("康复",), ("残疾人",),
           {"dis": ("中风后左侧肢体活动不便", "右腿截肢后刚装了假肢", "脊髓损伤下肢无力", "脑瘫需要长期训练")}),
        _T("{elder}家想安装扶手和防滑垫",
           "{elder}{age}岁，住{compound}{addr}，卫生间和床边没有扶手，{when}在卫生间滑倒过一次。家属希望做适老化改造，安装扶手、铺防滑垫。",
           "适老化改造", ("适老化改造", "安装"), ("老年人",), {"when": ("上个月", "前几天", "春节前")}),
        _T("陪同{elder}去县医院复查",
           "{elder}{age}岁，患{ill}，{weekday}要到县医院复查，子女在外地回不来，希望有人陪同挂号、排队、取药。",
           "就医陪诊", ("陪诊",), ("老年人",), urgent=0.2),
    ),
    "public.repair": (
        _T("{addr}{elder}家{spot}漏水，需要上门维修",
           "{compound}{addr}独居老人{elder}家{spot}漏水{days}，地面有积水，老人自己修不了，也找不到师傅，需要尽快上门维修。",
           "水管维修", ("水电维修",), ("老年人",),
           {"spot": ("厨房水管", "卫生间水龙头", "洗菜池下水管", "暖气片阀门", "马桶进水阀"),
            "days": ("已经两天", "从昨天晚上开始", "好几天了", "一个星期了")}, urgent=0.5),
        _T("{compound}{bldg}楼道灯坏了，晚上看不见路",
           "{compound}{bldg}{unit}楼道灯{how}，楼里老人多，晚上上下楼很不安全，居民已经反映过好几次。",
           "楼道灯维修", ("电工",), ("老年人",), {"how": ("全部不亮", "一到三楼不亮", "时亮时不亮", "感应开关失灵")},
           count=(8, 24), urgent=0.2),
        _T("{person}家电路经常跳闸，需要电工检查",
           "{compound}{addr}{person}反映家里{what}就跳闸，担心线路老化有隐患，家里有{who}，请电工上门检查。",
           "电路检修", ("电工",), (), {"what": ("一开电暖气", "用电饭锅时", "一下雨", "晚上用电高峰"),
                                       "who": ("老人", "小孩", "卧床病人")}, urgent=0.4),
        _T("{elder}家门锁坏了需要换锁芯",
           "{compound}{addr}{elder}家防盗门锁芯坏了，{detail}，老人进出很不方便，需要上门换锁芯。",
           "门锁维修", ("门锁维修",), ("老年人",), {"detail": ("钥匙插进去转不动", "门关不严", "反锁以后打不开")}, urgent=0.5),
        _T("{elder}家的{appliance}坏了，想请人看看",
           "{compound}{addr}{elder}家的{appliance}{symptom}，老人不会修，也舍不得买新的，希望有师傅上门检修。",
           "家电检修", ("家电维修",), ("老年人",),
           {"appliance": ("洗衣机", "电视机", "电冰箱", "抽油烟机", "电热水器", "电暖气"),
            "symptom": ("不工作了", "有很大的异响", "用着有点麻手", "开机就跳闸")}),
        _T("{addr}窗户玻璃破损需要更换",
           "{compound}{addr}{person}家{room_part}窗户玻璃{broken}，{season}，家里有老人孩子，需要更换玻璃。",
           "门窗维修", ("门窗维修",), (), {"room_part": ("北卧室", "厨房", "阳台"), "broken": ("被风刮碎了", "裂了一道长缝"),
                                           "season": ("天气转凉灌风", "快下雨了", "晚上风很大")}, urgent=0.3),
        _T("{compound}{bldg}单元门禁坏了",
           "{compound}{bldg}{unit}单元门禁{state}，外来人员随便进出，居民担心安全，希望尽快修好。",
           "门禁维修", ("电工",), (), {"state": ("刷卡没反应", "门吸不住", "对讲机不响")}, count=(10, 30)),
        _T("{elder}家屋顶下雨漏水",
           "{compound}{addr}{elder}家{where}一下雨就漏，墙皮已经脱落，老人用盆接水。希望有人看看能不能做防水。",
           "房屋漏雨修缮", ("防水维修",), ("老年人", "困难家庭"), {"where": ("卧室顶棚", "厨房屋顶", "靠北墙角")},
           urgent=0.4),
    ),
    "public.health": (
        _T("{elder}需要家庭医生上门测血压血糖",
           "{elder}{age}岁，患{ill}多年，行动不便，很少出门。希望家庭医生每月上门测一次血压血糖，看看药要不要调整。",
           "家庭医生上门随访", ("慢病管理", "全科"), ("老年人",), long_term=0.3),
        _T("{compound}居民希望开展一次义诊",
           "{compound}老年人比较多，{n}余名居民希望社区组织一次义诊，量血压、测血糖、看看眼睛和腰腿。",
           "社区义诊", ("义诊",), ("老年人",), count=(20, 80)),
        _T("{person}颈肩腰腿疼，想做推拿理疗",
           "{person}{age2}岁，{job}，颈椎和腰疼了很久，去医院排队不方便，想在社区附近做推拿理疗。",
           "中医推拿理疗", ("推拿", "中医"), (), {"job": ("常年在超市站柜台", "开出租车", "在工地干活")}),
        _T("{person}家孩子偏瘦，想了解营养搭配",
           "{person}家孩子{kid_age}岁，挑食、偏瘦，体检说营养不良，家长想请营养师指导一下日常饮食怎么搭配。",
           "营养膳食指导", ("营养",), ("儿童",)),
        _T("{elder}出院后需要上门换药",
           "{elder}{age}岁，{surgery}后刚出院，伤口需要隔天换药，去医院来回不方便，希望有护士上门换药。",
           "上门换药护理", ("护理",), ("老年人",), {"surgery": ("腿部手术", "褥疮清创", "腹部手术")}, urgent=0.4),
    ),
    "public.legal": (
        _T("{person}被拖欠工资，想咨询怎么维权",
           "{person}在{where}干了{months}个月，老板拖欠工资{amount}元一直不给，当时没签劳动合同，不知道怎么维权，希望有律师帮忙。",
           "劳动争议法律援助", ("法律援助", "劳动法"), ("新就业群体",),
           {"where": ("一家建筑工地", "县城一家饭店", "一家物流公司", "一家装修队"), "months": ("三", "五", "八", "十"),
            "amount": ("8000", "12000", "两万多", "6500")}, urgent=0.2),
        _T("{person}家遇到房产继承纠纷",
           "{person}父亲去世后留下{compound}一套老房子，兄弟姐妹对继承有分歧，想咨询法律上应该怎么分，希望调解解决。",
           "继承纠纷咨询", ("法律咨询", "民法"), ()),
        _T("{elder}想立遗嘱，需要法律指导",
           "{elder}{age}岁，想提前立好遗嘱，不知道自书遗嘱要注意什么、要不要公证，希望律师上门讲一讲。",
           "遗嘱法律咨询", ("法律咨询", "民法"), ("老年人",)),
        _T("{compound}邻里因{issue}发生纠纷需要调解",
           "{compound}{bldg}两户居民因为{issue}闹了好几次矛盾，网格员劝过没用，希望专业调解员介入。",
           "邻里纠纷调解", ("人民调解",), (), {"issue": ("楼上漏水", "占用楼道堆放杂物", "养狗扰民", "争抢停车位", "装修噪音")},
           count=(2, 6), urgent=0.2),
        _T("外卖骑手{person}交通事故理赔咨询",
           "{person}送外卖时和私家车剐蹭受伤，平台和对方都在推责任，想咨询怎么理赔、工伤能不能认定。",
           "事故理赔法律咨询", ("法律援助",), ("新就业群体",), urgent=0.3),
    ),
    "public.environment": (
        _T("{compound}{where}垃圾堆积无人清运",
           "{compound}{where}堆了很多建筑垃圾和生活垃圾，{smell}，居民反映多次，希望尽快清运。",
           "垃圾清运", ("环境整治",), (), {"where": ("楼后空地", "西北角", "车棚旁边", "大门口"),
                                           "smell": ("天热了有异味", "招老鼠", "挡了消防通道")}, count=(30, 200), urgent=0.3),
        _T("{compound}楼道堆放杂物有消防隐患",
           "{compound}{bldg}楼道里堆着旧家具、纸箱和电动车电池，{risk}，需要组织清理并劝导居民。",
           "楼道杂物清理", ("环境整治", "消防"), (), {"risk": ("一旦着火人出不去", "晚上老人容易绊倒")}, count=(10, 40)),
        _T("{compound}化粪池堵塞污水外溢",
           "{compound}{bldg}附近化粪池堵了，污水漫到路面，臭味很大，居民出行困难，急需疏通。",
           "管道疏通", ("管道疏通",), (), count=(20, 60), urgent=0.7),
        _T("{compound}绿化带杂草丛生蚊虫多",
           "{compound}绿化带长期没人管，杂草有半人高，夏天蚊虫多，孩子在旁边玩被咬得满身包，希望清理修剪。",
           "绿化带整治", ("绿化",), ("儿童",), count=(30, 150)),
        _T("{compound}居民想学垃圾分类",
           "{compound}准备设分类投放点，{n}户居民说不清哪些是厨余、哪些是其他垃圾，希望有人来讲一讲。",
           "垃圾分类指导", ("垃圾分类指导",), (), count=(20, 100), long_term=0.2),
    ),
    "public.policy": (
        _T("{elder}想了解医保异地就医备案",
           "{elder}{age}岁，要去外地子女家住半年，想知道医保异地就医怎么备案、在外地看病能不能直接报销。",
           "医保政策咨询", ("医保政策",), ("老年人",)),
        _T("{compound}居民希望讲讲养老保险缴费政策",
           "{compound}有不少灵活就业和失地居民，{n}余人想了解城乡居民养老保险怎么交、交多少档合适。",
           "社保政策宣讲", ("政策宣讲",), (), count=(15, 60)),
        _T("退役军人{person}想了解优待政策",
           "{person}是退役军人，刚回到本地，想了解优待证怎么办理、就业和医疗方面有哪些优待。",
           "退役军人政策咨询", ("政策宣讲",), ("退役军人",)),
        _T("{compound}老人想听防诈骗讲座",
           "最近{compound}有老人接到冒充公检法的诈骗电话，还有人推销保健品，{n}位老人希望有人来讲讲怎么防骗。",
           "防诈骗宣讲", ("政策宣讲",), ("老年人",), count=(15, 50)),
    ),
    "charity.hardship": (
        _T("困难家庭{person}家孩子上学需要帮扶",
           "{person}家是低保户，丈夫{ill2}，孩子在读{grade}，学习用品和冬衣都缺，希望有爱心单位结对帮扶。",
           "困难家庭结对帮扶", ("帮扶",), ("困难家庭", "儿童"), {"ill2": ("常年卧病", "前年因工伤致残", "患尿毒症透析")},
           long_term=0.3),
        _T("{elder}家冬季取暖困难",
           "{elder}{age}岁，住{compound}平房，家里靠烧煤取暖，今年买不起煤，{extra}，希望帮助解决过冬取暖。",
           "冬季取暖帮扶", ("帮扶",), ("老年人", "困难家庭"), {"extra": ("屋里很冷", "只能开电褥子", "老伴咳嗽加重")},
           urgent=0.3),
        _T("大病家庭{person}申请临时救助对接",
           "{person}家里{who}确诊{disease}，治疗花了十几万，家里积蓄用完了，想了解临时救助和慈善救助怎么申请。",
           "大病临时救助对接", ("帮扶", "社工"), ("困难家庭",),
           {"who": ("孩子", "爱人", "父亲"), "disease": ("白血病", "肺癌", "重度烧伤")}, urgent=0.2),
    ),
    "charity.donation": (
        _T("{compound}困难家庭需要过冬衣物被褥",
           "{compound}登记了{n}户困难家庭，冬天快到了，缺棉衣、棉被，希望有爱心单位捐赠。",
           "爱心衣物捐赠", ("物资捐赠",), ("困难家庭",), count=(3, 12)),
        _T("{person}家孩子上网课缺一台电脑",
           "{person}家孩子读{grade}，家里只有一部旧手机，上网课、交作业很困难，希望有人捐赠一台旧电脑。",
           "爱心物资捐赠", ("物资捐赠",), ("困难家庭", "儿童")),
        _T("{compound}想设爱心书架，需要图书",
           "{compound}党群服务站想设一个爱心书架，方便孩子和老人借阅，希望募集儿童绘本和养生类图书。",
           "图书捐赠", ("物资捐赠",), ("儿童", "老年人"), count=(20, 80)),
    ),
    "charity.childcare": (
        _T("双职工家庭希望有四点半课堂",
           "{compound}有{n}个小学生放学后家里没人接，家长下班晚，希望社区开四点半课堂，有人看着孩子写作业。",
           "四点半课堂", ("托管", "课业辅导"), ("儿童",), count=(6, 25), long_term=0.4),
        _T("{compound}暑假孩子无人看管",
           "暑假快到了，{compound}{n}个孩子父母都上班，孩子一个人在家玩手机，家长担心安全，希望有暑期托管。",
           "暑期托管", ("托管",), ("儿童",), count=(8, 30)),
        _T("留守儿童{kid}需要课后陪伴",
           "{kid}{kid_age}岁，父母在外地打工，跟着奶奶住在{compound}，奶奶不识字辅导不了作业，希望有志愿者课后陪伴。",
           "留守儿童关爱", ("托管", "陪伴"), ("儿童",), long_term=0.3),
    ),
    "charity.counselling": (
        _T("{person}丧偶后情绪低落，需要心理疏导",
           "{person}{age2}岁，爱人{when}去世，之后一直情绪低落、睡不着觉，不愿意出门，子女担心，希望有心理咨询师疏导。",
           "心理疏导", ("心理咨询",), (), {"when": ("半年前", "今年春天", "去年冬天")}),
        _T("{person}家孩子厌学不愿出门，家长求助",
           "{person}家孩子读{grade}，最近不愿意上学，整天关在屋里，和父母不说话，家长很着急，希望有专业老师辅导。",
           "青少年心理辅导", ("心理咨询",), ("儿童",), urgent=0.2),
        _T("{compound}独居老人孤独，希望有人聊天疏导",
           "{compound}几位独居老人平时很少说话，{elder}说一个人在家闷得慌，希望有人定期来聊聊天、开导开导。",
           "老年心理关爱", ("心理咨询", "陪伴"), ("老年人",), count=(3, 10)),
    ),
    "charity.volunteer": (
        _T("{elder}腿脚不便，需要志愿者代购买药",
           "{elder}{age}岁，腿脚不方便下楼，每周要买菜买药，希望有志愿者帮忙代购，钱由老人自己出。",
           "代购代办", ("代购代办",), ("老年人",), long_term=0.3),
        _T("{compound}上下学路口需要志愿者护学",
           "{compound}门口是孩子上下学必经路口，早晚车多，没有红绿灯，家长希望有志愿者护学。",
           "护学岗", ("护学",), ("儿童",), count=(30, 120), long_term=0.3),
        _T("{compound}老人需要帮忙办高龄补贴认证",
           "{compound}{n}位高龄老人每年要做补贴认证，不会用手机刷脸，希望志愿者上门帮忙办理。",
           "代办认证", ("代购代办",), ("老年人",), count=(4, 15)),
    ),
    "employment.guidance": (
        _T("{person}失业在家，希望推荐就近工作",
           "{person}{age2}岁，原来在{factory}上班，厂子停工后一直没找到工作，家里{burden}，希望帮忙推荐就近岗位。",
           "就业岗位推荐", ("就业指导",), ("困难家庭",),
           {"factory": ("纺织厂", "焦化厂", "砖厂", "食品厂"), "burden": ("有两个孩子上学", "老人常年吃药", "房贷压力大")}),
        _T("毕业生{person}想了解公益性岗位报名",
           "{person}今年大专毕业，想留在县里工作，想了解公益性岗位、三支一扶怎么报名。",
           "就业政策咨询", ("就业指导",), ("高校毕业生",)),
        _T("{person}跑网约车，想了解社保怎么交",
           "{person}在跑网约车，属于灵活就业，想了解养老和医疗保险怎么自己交，出了事故有没有保障。",
           "灵活就业指导", ("就业指导", "社保政策"), ("新就业群体",)),
    ),
    "employment.training": (
        _T("{compound}{n}名妇女想学育婴员技能",
           "{compound}{n}名待业妇女想学育婴员、月嫂技能，学完能到家政公司上岗，希望组织培训。",
           "育婴员技能培训", ("技能培训",), ("妇女",), count=(5, 20)),
        _T("{person}想学电工考证",
           "{person}{age2}岁，原来干装修小工，想学电工考个证，收入能稳定些，想问问哪里有培训。",
           "电工技能培训", ("电工", "技能培训"), ()),
        _T("{compound}居民想学直播卖农产品",
           "{compound}有{n}位居民家里种苹果、小米，想学短视频和直播卖货，希望有人来培训。",
           "电商直播培训", ("电商培训",), ("新就业群体",), count=(6, 25)),
    ),
    "employment.startup": (
        _T("{person}想开早餐店，不知道怎么办执照",
           "{person}想在{compound}门口开一家早餐店，不清楚营业执照和食品经营许可怎么办、要准备什么材料。",
           "营业执照帮办", ("证照办理",), ()),
        _T("返乡青年{person}想申请创业担保贷款",
           "{person}从外地回乡，想开一家{shop}，资金不够，想了解创业担保贷款的条件和流程。",
           "创业贷款咨询", ("创业指导", "金融"), ("高校毕业生",), {"shop": ("奶茶店", "快递驿站", "农家乐", "汽车美容店")}),
    ),
    "culture.activities": (
        _T("{compound}老人想学剪纸",
           "{compound}{n}位老人平时在活动室打牌，想学剪纸、做手工，希望有老师来教。",
           "剪纸兴趣课", ("剪纸",), ("老年人",), count=(8, 25)),
        _T("{compound}居民希望举办象棋比赛",
           "{compound}下象棋的老人很多，想搞一次象棋比赛，需要棋具和裁判。",
           "象棋比赛", ("棋类",), ("老年人",), count=(10, 40)),
        _T("{compound}想开设书法兴趣班",
           "{compound}{n}位居民想学毛笔字，希望在党群服务站开一个书法兴趣班，每周一次。",
           "书法兴趣班", ("书法",), (), count=(8, 30), long_term=0.3),
    ),
    "culture.performance": (
        _T("{compound}居民希望{festival}有文艺演出",
           "{festival}快到了，{compound}居民希望社区组织一场文艺演出，最好有晋剧、蒲剧，老人爱看。",
           "文艺演出", ("文艺", "演出"), ("老年人",), {"festival": ("重阳节", "中秋节", "春节", "七一")}, count=(50, 300)),
        _T("{compound}广场舞队想请老师编排新舞",
           "{compound}广场舞队有{n}人，想参加县里比赛，希望有老师来编排新舞蹈。",
           "广场舞编排", ("舞蹈",), ("老年人",), count=(12, 40)),
    ),
    "culture.fitness": (
        _T("{compound}老年人想学太极拳",
           "{compound}{n}位老人每天早上在广场活动，想学太极拳，希望有老师带练、纠正动作。",
           "太极拳教学", ("太极拳", "健身指导"), ("老年人",), count=(10, 40), long_term=0.3),
        _T("{compound}健身器材旁缺少指导",
           "{compound}新装了健身器材，老人不会用，有人用错了扭了腰，希望有人来讲讲怎么正确锻炼。",
           "健身指导", ("健身指导",), ("老年人",), count=(20, 60)),
        _T("{compound}居民想组织门球队",
           "{compound}{n}位退休职工想组织门球队，有场地，缺教练和器材。",
           "门球教学", ("健身指导",), ("老年人",), count=(8, 20)),
    ),
    "culture.reading": (
        _T("{compound}希望办亲子读书会",
           "{compound}年轻家庭多，{n}户家长希望周末在社区办亲子读书会，带孩子多读书少看手机。",
           "亲子读书会", ("阅读推广",), ("儿童",), count=(8, 30)),
        _T("{compound}老党员想办家风故事分享会",
           "{compound}几位老党员想给孩子们讲讲家风家训和过去的故事，希望帮忙组织一次分享会。",
           "家风故事分享", ("阅读推广",), ("老年人", "儿童"), count=(20, 60)),
    ),
    "talent.consulting": (
        _T("{person}个税汇算不会操作",
           "{person}第一次做个税年度汇算，不会填子女教育、赡养老人扣除，担心填错，希望有人指导。",
           "个税汇算指导", ("财税咨询",), ()),
        _T("{person}网购遇到质量问题想维权",
           "{person}在网上买的{goods}用了不到一个月就坏了，商家不给退，想咨询怎么维权。",
           "消费维权咨询", ("消费维权",), (), {"goods": ("电动车电池", "空气炸锅", "助听器", "按摩椅")}),
    ),
    "talent.tutoring": (
        _T("{person}家孩子{grade}数学跟不上",
           "{person}家孩子读{grade}，数学成绩下滑，家长文化程度不高辅导不了，也请不起家教，希望有老师周末辅导。",
           "课业辅导", ("课业辅导",), ("儿童", "困难家庭"), long_term=0.3),
        _T("{compound}初三学生希望有人辅导英语",
           "{compound}{n}名初三学生马上中考，英语基础差，家长希望社区组织周末英语辅导。",
           "中考英语辅导", ("课业辅导",), ("儿童",), count=(4, 15)),
        _T("{person}家孩子想练硬笔书法",
           "{person}家孩子读{grade}，字写得潦草，老师建议练字，家长希望社区有书法课。",
           "硬笔书法辅导", ("书法", "课业辅导"), ("儿童",)),
    ),
    "talent.technology": (
        _T("{elder}不会用智能手机挂号",
           "{elder}{age}岁，去医院看病现在要在手机上挂号，老人不会用，每次都要托邻居，希望有人上门教一教。",
           "智能手机教学", ("智能手机教学",), ("老年人",)),
        _T("{compound}老人想学用微信视频",
           "{compound}{n}位老人子女在外地，想学用微信视频、发语音、看健康码，希望有人来上课。",
           "老年人手机课", ("智能手机教学",), ("老年人",), count=(8, 30)),
        _T("{elder}想学用手机交水电费",
           "{elder}{age}岁，每次交水电费都要跑营业厅，想学用手机交费，还怕点错被骗。",
           "手机缴费教学", ("智能手机教学",), ("老年人",)),
    ),
    "talent.finance": (
        _T("{elder}被推销高息理财，家属担心被骗",
           "{elder}{age}岁，最近常去一个“养生讲座”，对方推销年息百分之十几的理财产品，家属担心是非法集资，希望有专业人员讲清楚。",
           "防范非法集资", ("金融知识",), ("老年人",), urgent=0.3),
        _T("{compound}居民想听防范非法集资讲座",
           "{compound}有居民在群里转发高息理财广告，{n}位老人想听听怎么识别非法集资、存钱买保险要注意什么。",
           "金融知识讲座", ("金融知识",), ("老年人",), count=(15, 60)),
    ),
}

# How often each subcategory comes up: elderly care and repairs most, as in real need lists.
CATEGORY_WEIGHTS = {
    "public.elderly": 20, "public.repair": 17, "public.health": 8, "public.legal": 5,
    "public.environment": 7, "public.policy": 3, "charity.hardship": 5, "charity.donation": 3,
    "charity.childcare": 4, "charity.counselling": 3, "charity.volunteer": 4, "employment.guidance": 4,
    "employment.training": 3, "employment.startup": 2, "culture.activities": 2, "culture.performance": 2,
    "culture.fitness": 3, "culture.reading": 1, "talent.consulting": 1, "talent.tutoring": 4,
    "talent.technology": 4, "talent.finance": 2,
}
CHANNELS = {
    SourceChannel.GRID_WORKER: 40, SourceChannel.JOINT_TALK: 9, SourceChannel.SERVICE_STATION: 14,
    SourceChannel.DUAL_REPORT: 7, SourceChannel.SUGGESTION_BOX: 4, SourceChannel.ONLINE: 18,
    SourceChannel.HOTLINE_12345: 8,
}
CHANNEL_OPENINGS = {
    SourceChannel.GRID_WORKER: ("网格员入户走访时了解到：", "网格员巡查发现："),
    SourceChannel.JOINT_TALK: ("联手说事会上居民反映：", "在本月联手说事会上提出："),
    SourceChannel.SERVICE_STATION: ("居民到党群服务站反映：",),
    SourceChannel.DUAL_REPORT: ("双报到党员走访时了解到：",),
    SourceChannel.SUGGESTION_BOX: ("意见箱收到留言：",),
    SourceChannel.ONLINE: ("",),
    SourceChannel.HOTLINE_12345: ("12345热线转办：", "市民热线工单："),
}
CLOSINGS = (
    "网格员已上门核实。", "已电话回访，情况属实。", "已录入网格台账。", "居民希望尽快安排。",
    "楼栋长协助登记。", "上门前请先与网格员联系。", "居民表示时间上可以配合。", "联系人为其女儿，电话已登记。",
    "联系人为邻居，电话已登记。", "白天家里有人。", "晚上七点以后家里有人。", "",
)

N_NEEDS = 300

# --- the projects' stories -------------------------------------------------------------------
# (final status, dispatch mode, detour on the way): 42 here and 42 for the showcase units below;
# every status appears.
C, D, OPT = DispatchMode.CLAIM, DispatchMode.DIRECTED, DispatchMode.OPTIMISE
PLANS: tuple[tuple[str, DispatchMode, str | None], ...] = (
    ("draft", C, None), ("draft", D, None),
    ("published", C, None), ("published", C, "released"), ("published", D, "declined"),
    ("published", D, None), ("published", OPT, None), ("published", OPT, "team"), ("published", OPT, "expired"),
    ("published", C, "returned"),
    ("claiming", C, "rejected_claim"),
    ("dispatched", D, None), *[("dispatched", OPT, None)] * 2, ("dispatched", D, "withdrawn_offer"),
    ("accepted", C, None), ("accepted", D, "declined"), ("accepted", OPT, None), ("accepted", D, None),
    ("in_progress", C, None), ("in_progress", D, None), ("in_progress", OPT, "expired"),
    ("in_progress", C, "returned"),
    ("awaiting_close", D, None), ("awaiting_close", OPT, None),
    ("closed", C, None), *[("closed", D, None)] * 2, ("closed", D, "late"),
    ("rated", C, None), *[("rated", D, None)] * 2, *[("rated", OPT, None)] * 2, ("rated", D, "declined"),
    ("rated", C, "late"), ("rated", C, "returned"),
    ("cancelled", C, "from_draft"), ("cancelled", C, "from_published"), ("cancelled", C, "from_claiming"),
    ("cancelled", D, "from_dispatched"), ("cancelled", C, "from_in_progress"),
)

# The units that get demo accounts (unit-1 … unit-6, in this order): two departments, two studios
# and two associations, busy in the categories residents ask most for, serving the whole county. Each gets, beside whatever
# the stories above give it, a project of each of these on its own resource's ground: an offer to
# answer (定向派单), an open 优化派单 project only it can serve (the batch job at the end of the
# load proposes it), an open 认领 project (the engine suggests it), a claim waiting for the
# secretary, work in progress, work waiting for the resident's 结单, and a finished, rated project.
SHOWCASE_UNITS = ("民政局", "家政服务协会", "李建国电工技能工作室", "建筑装饰协会", "卫生健康局", "周建平家电维修工作室")
SHOWCASE_PLANS: tuple[tuple[str, DispatchMode], ...] = (
    ("dispatched", D), ("published", OPT), ("published", C), ("claiming", C), ("in_progress", D),
    ("awaiting_close", C), ("rated", C),
)
# Plans the engine must find the unit for: their needs ask only for skills no other unit offers
# in the category.
_ENGINE_PICKS = {("published", OPT), ("published", C)}

_STAGE_RANK = {"draft": 0, "published": 1, "claiming": 2, "dispatched": 2, "accepted": 3, "in_progress": 4,
               "cancelled": 4, "awaiting_close": 5, "closed": 6, "rated": 6}

CANCEL_REASONS = (
    ("need_resolved", "居民已自行解决，不再需要"),
    ("resident_moved", "居民已搬离本社区"),
    ("merged_elsewhere", "与街道统一组织的活动合并办理"),
    ("out_of_scope", "经核实属于物业公司维修责任，已转物业办理"),
    ("duplicate", "与已发布项目重复"),
)
PROGRESS_LINES = (
    "已与居民电话联系，约定{weekday}上门。",
    "第一次上门查看情况，已确定服务方案。",
    "服务人员{k}人到场，完成第一阶段服务，居民配合良好。",
    "所需材料已采购到位，下次上门完成剩余工作。",
    "因居民临时外出改约{weekday}，已告知网格员。",
    "已完成主要服务内容，待居民确认效果。",
)
COMPLETION_NOTES = (
    "服务已全部完成，居民签字确认，现场照片已上传。",
    "按计划完成服务，已向网格员反馈，后续可按需回访。",
    "完成服务并对居民做了注意事项说明。",
    "项目按时办结，服务对象均已覆盖。",
)
RATING_COMMENTS = {
    5: ("师傅很耐心，当天就弄好了，非常满意！", "服务很周到，谢谢社区和联盟单位。", "态度好、手艺好，给你们点赞。",
        "来得很及时，老人特别高兴。", ""),
    4: ("总体满意，就是上门时间比约定的晚了一点。", "问题解决了，希望以后多来几次。", "挺好的，就是要提前打个电话。"),
    3: ("问题基本解决，希望后续能再回访一次。", "一般吧，等的时间有点长。"),
    2: ("来了一次没弄好，又等了好几天。", "服务人员不太清楚情况，沟通费劲。"),
    1: ("约好的时间没来，问题也没解决。", "很不满意，打电话一直推脱。"),
}
OUTCOMES = {5: Outcome.SOLVED, 4: Outcome.SOLVED, 3: Outcome.PARTLY_SOLVED, 2: Outcome.PARTLY_SOLVED,
            1: Outcome.UNSOLVED}

ADMIN = Actor(role=Role.STREET_ADMIN, ref="alliance")
BATCH = Actor(role=Role.BATCH, ref="nightly")
RESIDENT = Actor(role=Role.RESIDENT, ref="online")


def _unit_actor(unit_id: int) -> Actor:
    return Actor(role=Role.UNIT, ref=str(unit_id))


def _secretary(community_code: str) -> Actor:
    return Actor(role=Role.SECRETARY, ref=community_code)


# --- the builder -----------------------------------------------------------------------------


@dataclass
class _Unit:
    id: int
    name: str
    kind: UnitType
    cap: int
    quality: float  # how residents tend to rate this unit: 0 poor … 1 excellent
    live: int = 0


@dataclass
class _Plan:
    status: str
    mode: DispatchMode
    story: str | None
    community: _Community
    category: str
    needs: list[Need]
    project_id: int = 0
    number: str = ""
    token: str = ""
    # the unit (and its resource) that ends up with the project, when the showcase decides it
    unit: tuple[int, int] | None = None


@dataclass(frozen=True)
class _Listing:
    """A published resource: who offers what, where."""

    unit_id: int
    resource_id: int
    category: str
    skills: frozenset[str]
    area: dict

    def serves(self, need: Need) -> bool:
        if "area_communities" in self.area:
            return need.community_code in self.area["area_communities"]
        lat = need.lat if need.lat is not None else _COMMUNITY_BY_CODE[need.community_code].lat
        lon = need.lon if need.lon is not None else _COMMUNITY_BY_CODE[need.community_code].lon
        d = ((lat - self.area["centre_lat"]) / KM_LAT) ** 2 + ((lon - self.area["centre_lon"]) / KM_LON) ** 2
        return d ** 0.5 <= 0.9 * self.area["radius_km"]


class _Builder:
    def __init__(self, conn: asyncpg.Connection, rng: random.Random):
        self.conn = conn
        self.rng = rng
        self.today = dt.datetime.now(TZ).date()
        self.units: list[_Unit] = []
        self.unit_by_id: dict[int, _Unit] = {}
        # published resources: category → [(unit id, resource id)]
        self.offers: dict[str, list[tuple[int, int]]] = {}
        self.grids: dict[str, list[tuple[str, float, float]]] = {}
        self.closing_links: list[tuple[str, str]] = []
        self.theme_of: dict[int, tuple[str, tuple[str, ...]]] = {}
        self.compound_of: dict[int, str] = {}
        self.project_titles: dict[str, int] = {}
        self._last_unit: dict[int, int] = {}  # project id → the unit it was last claimed by or offered to
        self.plans: list[_Plan] = []
        self.loose_needs: list[tuple[int, str]] = []  # (need id, pending/reviewed) of needs in no project
        self.waiting: set[int] = set()  # needs left 待审核
        self.all_needs: list[Need] = []
        self.listed: list[_Listing] = []  # published resources, for the showcase's choice of needs
        kinds = _short_to_kind()
        self.showcase_names = {_unit_name(kinds[short], short) for short in SHOWCASE_UNITS}

    async def build(self) -> None:
        await self.areas()
        await self.make_units()
        await self.make_resources()
        accepted = await self.make_needs()
        await self.make_projects(accepted)

    # areas ----------------------------------------------------------------------------------

    async def areas(self) -> None:
        c = self.conn
        await directory.create_area(c, AreaIn(code=DISTRICT_CODE, level=AreaLevel.DISTRICT, name=COUNTY,
                                              lat=CENTRE[0], lon=CENTRE[1]))
        for code, name in STREETS:
            members = [m for m in COMMUNITIES if m.street == code]
            await directory.create_area(c, AreaIn(
                code=code, level=AreaLevel.STREET, name=name, parent_code=DISTRICT_CODE,
                lat=round(sum(m.lat for m in members) / len(members), 6),
                lon=round(sum(m.lon for m in members) / len(members), 6),
                households=sum(m.households for m in members)))
        for m in COMMUNITIES:
            await directory.create_area(c, AreaIn(code=m.code, level=AreaLevel.COMMUNITY, name=m.name,
                                                  parent_code=m.street, lat=m.lat, lon=m.lon,
                                                  households=m.households))
            share = self._split(m.households, m.grids)
            self.grids[m.code] = []
            for i in range(m.grids):
                lat = round(m.lat + self.rng.uniform(-0.8, 0.8) * KM_LAT, 6)
                lon = round(m.lon + self.rng.uniform(-0.8, 0.8) * KM_LON, 6)
                code = f"{m.code}{i + 1:02d}"
                await directory.create_area(c, AreaIn(code=code, level=AreaLevel.GRID, name=GRID_NAMES[i],
                                                      parent_code=m.code, lat=lat, lon=lon, households=share[i]))
                self.grids[m.code].append((code, lat, lon))

    def _split(self, total: int, parts: int) -> list[int]:
        weights = [self.rng.uniform(0.8, 1.2) for _ in range(parts)]
        shares = [int(total * w / sum(weights)) for w in weights]
        shares[-1] += total - sum(shares)
        return shares

    # units ----------------------------------------------------------------------------------

    def full_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    async def make_units(self) -> None:
        communities = [m.code for m in COMMUNITIES]
        entries = ([(UnitType.DEPARTMENT, n, None) for n in DEPARTMENTS]
                   + [(UnitType.TALENT_STUDIO, f"{o}{sp}工作室", o) for o, sp in STUDIOS]
                   + [(UnitType.ASSOCIATION, n, None) for n in ASSOCIATIONS])
        # The units with demo accounts come first (ids 1..6), so that unit-1 … unit-6 are they.
        entries.sort(key=lambda e: SHOWCASE_UNITS.index(e[1]) if e[1] in SHOWCASE_UNITS else len(SHOWCASE_UNITS))
        for i, (kind, short, owner) in enumerate(entries):
            if owner is not None:  # a studio sits in a community and is run by its namesake
                home = self.rng.choice(communities)
                contact = owner
            else:
                home = DISTRICT_CODE if kind is UnitType.DEPARTMENT else self.rng.choice(
                    [DISTRICT_CODE, STREETS[0][0], STREETS[1][0]])
                contact = self.full_name()
            cap = self.rng.randint(3, 8)
            if short in SHOWCASE_UNITS:  # room for the work the showcase gives them, and a proposal
                cap = max(cap, 7)
            unit = await directory.create_unit(self.conn, UnitIn(
                name=_unit_name(kind, short), unit_type=kind, contact_name=contact,
                contact_phone=f"1390000{1000 + i:04d}", home_area=home, active_cap=cap), ADMIN)
            u = _Unit(unit.id, unit.name, kind, cap, quality=self.rng.betavariate(5, 1.6))
            self.units.append(u)
            self.unit_by_id[u.id] = u

    # resources ------------------------------------------------------------------------------

    async def make_resources(self) -> None:
        kinds = _short_to_kind()
        by_name = {u.name: u for u in self.units}
        all_codes = [m.code for m in COMMUNITIES]
        for short, cat, title, content, skills, mode, fee, groups, per_month, status in RESOURCES:
            unit = by_name[_unit_name(kinds[short], short)]
            area: dict = {}
            if mode is ServiceMode.ONLINE or short in SHOWCASE_UNITS:
                area["area_communities"] = all_codes
            elif self.rng.random() < 0.2:
                centre = self.rng.choice(COMMUNITIES)
                area.update(centre_lat=centre.lat, centre_lon=centre.lon,
                            radius_km=float(self.rng.choice((2, 3, 5, 8))))
            else:
                k = self.rng.randint(2, 6)
                area["area_communities"] = sorted(self.rng.sample(all_codes, k))
            res = await resources.create_resource(self.conn, ResourceIn(
                unit_id=unit.id, title=title, content=content, category_code=cat, skills=list(skills),
                capacity_projects=per_month,
                capacity_hours=per_month * self.rng.choice((2, 3, 4)) if self.rng.random() < 0.5 else None,
                availability=self._slots(mode), mode=mode,
                fee_type="low_cost" if fee else "free", fee_amount=Decimal(fee) if fee else None,
                target_groups=list(groups),
                valid_from=self.today.replace(month=1, day=1),
                valid_to=self.today.replace(month=12, day=31),
                **area), _unit_actor(unit.id))
            if status in ("p", "d"):
                await resources.publish_resource(self.conn, res.id, ADMIN)
            if status == "d":
                await resources.delist_resource(self.conn, res.id, _unit_actor(unit.id), note="服务人员外出培训，暂停三个月")
            if status == "p":
                self.offers.setdefault(cat, []).append((unit.id, res.id))
                self.listed.append(_Listing(unit.id, res.id, cat, frozenset(skills), area))

    def _slots(self, mode: ServiceMode) -> list[WeeklySlot]:
        times = (("19:00", "21:00"),) if mode is ServiceMode.ONLINE else (
            ("08:30", "11:30"), ("09:00", "12:00"), ("14:30", "17:30"), ("15:00", "18:00"))
        days = sorted(self.rng.sample(range(1, 8), self.rng.randint(1, 3)))
        return [WeeklySlot(weekday=d, start=s, end=e) for d in days for s, e in [self.rng.choice(times)]]

    # needs ----------------------------------------------------------------------------------

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(ADULT_TITLES)

    def _elder(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(ELDER_TITLES)

    def _slots_for(self, m: _Community, compound: str) -> dict[str, object]:
        r = self.rng
        bldg = f"{r.randint(1, 24)}号楼"
        unit = f"{r.randint(1, 4)}单元"
        if compound.endswith(("平房区", "巷")):
            addr = f"{r.randint(1, 60)}号院"
        else:
            addr = f"{bldg}{unit}{r.randint(1, 6)}0{r.randint(1, 3)}"
        return {
            "community": m.name, "compound": compound, "addr": addr, "bldg": bldg, "unit": unit,
            "elder": self._elder(), "person": self._person(), "kid": r.choice(SURNAMES) + "小" + r.choice("明红亮乐宇雪阳军"),
            "age": r.randint(68, 93), "age2": r.randint(28, 62), "kid_age": r.randint(6, 14),
            "grade": r.choice(GRADES), "weekday": r.choice(WEEKDAYS), "ill": r.choice(ILLS),
        }

    async def make_needs(self) -> list[Need]:
        r = self.rng
        communities = list(COMMUNITIES)
        cats = list(CATEGORY_WEIGHTS)
        seen: dict[str, int] = {}
        made: list[Need] = []
        while len(made) < N_NEEDS:
            m = r.choices(communities, weights=[x.households for x in communities])[0]
            cat = r.choices(cats, weights=[CATEGORY_WEIGHTS[c] for c in cats])[0]
            t = r.choice(TEMPLATES[cat])
            compound = r.choice(m.compounds)
            slots = self._slots_for(m, compound)
            for key, options in t.picks.items():
                slots[key] = r.choice(options)
            lo, hi = t.count
            count = r.randint(lo, hi)
            slots["n"] = count
            title = t.title.format_map(slots)
            if seen.get(title, 0) >= 2:  # a third identical title reads like a copy: draw again
                continue
            seen[title] = seen.get(title, 0) + 1
            channel = r.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
            opening = r.choice(CHANNEL_OPENINGS[channel]) if r.random() < 0.5 else ""
            closing = "".join(r.sample([x for x in CLOSINGS if x], r.randint(0, 2)))
            desc = opening + t.desc.format_map(slots) + closing
            roll = r.random()
            urgency = (Urgency.URGENT if roll < t.urgent else
                       Urgency.LONG_TERM if roll > 1 - t.long_term else Urgency.NORMAL)
            grid_code, glat, glon = r.choice(self.grids[m.code])
            point = {}
            if r.random() < 0.6:
                point = {"lat": round(glat + r.uniform(-0.4, 0.4) * KM_LAT, 6),
                         "lon": round(glon + r.uniform(-0.4, 0.4) * KM_LON, 6)}
            desired = {}
            if r.random() < 0.3:
                start = self.today + dt.timedelta(days=r.randint(0, 10))
                desired = {"desired_from": start, "desired_to": start + dt.timedelta(days=r.choice((3, 7, 14, 30)))}
            if channel is SourceChannel.ONLINE:
                actor = RESIDENT
            elif channel is SourceChannel.GRID_WORKER:
                actor = Actor(role=Role.GRID_WORKER, ref=grid_code)
            else:
                actor = _secretary(m.code)
            need = await needs.submit_need(self.conn, NeedIn(
                title=title, description=desc, category_code=cat, community_code=m.code, grid_code=grid_code,
                beneficiary_count=count, beneficiary_groups=list(t.groups), urgency=urgency,
                source_channel=channel, requester_name=self.full_name(),
                requester_phone=f"1700000{r.randrange(10000):04d}", **point, **desired), actor)
            self.theme_of[need.id] = (t.theme, t.skills)
            self.compound_of[need.id] = compound
            made.append(need)
        accepted = await self.review(made)
        self.all_needs = made
        return accepted

    async def review(self, made: list[Need]) -> list[Need]:
        """Most needs are accepted; some wait, some are turned down, some are withdrawn."""
        r = self.rng
        accepted: list[Need] = []
        reasons = (
            (RejectReason.DUPLICATE, "与本周已登记的同一诉求重复"),
            (RejectReason.OUT_OF_SCOPE, "属于物业合同约定的维修范围，已告知居民联系物业"),
            (RejectReason.INSUFFICIENT_DETAIL, "未留详细地址，电话两次无人接听"),
            (RejectReason.HANDLED_ELSEWHERE, "已通过12345热线转相关部门办理"),
            (RejectReason.OTHER, "居民诉求涉及商业纠纷，建议走诉讼途径"),
        )
        for need in made:
            sec = _secretary(need.community_code)
            roll = r.random()
            if roll < 0.08:
                self.waiting.add(need.id)
                continue  # 待审核: still waiting for the secretary
            if roll < 0.13:
                reason, note = r.choice(reasons)
                await needs.reject_need(self.conn, need.id, RejectIn(reason=reason, note=note), sec)
                continue
            if roll < 0.145:
                await needs.withdraw_need(self.conn, need.id, RESIDENT, note="居民电话告知已自行解决")
                continue
            need = await needs.accept_need(self.conn, need.id, sec)
            if roll < 0.165:
                await needs.withdraw_need(self.conn, need.id, RESIDENT, note="居民已搬去子女家居住")
                continue
            accepted.append(need)
        return accepted

    # projects -------------------------------------------------------------------------------

    def _chunks(self, accepted: list[Need]) -> list[list[Need]]:
        groups: dict[tuple[str, str], list[Need]] = {}
        for n in accepted:
            groups.setdefault((n.community_code, n.category_code), []).append(n)
        chunks: list[list[Need]] = []
        for key in sorted(groups):
            rest = groups[key]
            while rest:
                k = min(len(rest), self.rng.choice((1, 2, 2, 3, 4)))
                chunks.append(rest[:k])
                rest = rest[k:]
        self.rng.shuffle(chunks)
        return chunks

    def _showcase(self, accepted: list[Need]) -> list[_Plan]:
        """The showcase units' own projects (see SHOWCASE_PLANS), each of one accepted need that
        the unit's resource serves; the needs used are taken out of ``accepted``."""
        taken: set[int] = set()
        plans: list[_Plan] = []
        for i, short in enumerate(SHOWCASE_UNITS):
            unit = next(u for u in self.units if u.name == _unit_name(_short_to_kind()[short], short))
            listings = [x for x in self.listed if x.unit_id == unit.id]
            for j, (status, mode) in enumerate(SHOWCASE_PLANS):
                exclusive = (status, mode) in _ENGINE_PICKS
                # spread over the communities, so that every secretary sees some of it
                home = COMMUNITIES[(i + j) % len(COMMUNITIES)].code
                ordered = sorted(accepted, key=lambda n: n.community_code != home)
                found = self._need_for(ordered, taken, listings, exclusive)
                if found is None:
                    continue
                need, listing = found
                taken.add(need.id)
                plans.append(_Plan(status, mode, None, _COMMUNITY_BY_CODE[need.community_code], need.category_code,
                                   [need], unit=(unit.id, listing.resource_id)))
        accepted[:] = [n for n in accepted if n.id not in taken]
        return plans

    def _need_for(self, accepted: list[Need], taken: set[int], listings: list[_Listing],
                  exclusive: bool) -> tuple[Need, _Listing] | None:
        """An accepted need one of ``listings`` serves (category and area), its skills covered;
        with ``exclusive``, skills no other unit's resource in the category covers. Work the
        community hands the unit itself may, failing that, ask for a skill the unit lacks."""
        for strict in (True, False) if not exclusive else (True,):
            for listing in listings:
                others = [x for x in self.listed if x.category == listing.category and x.unit_id != listing.unit_id]
                for need in accepted:
                    skills = set(self.theme_of[need.id][1])
                    if need.id in taken or need.category_code != listing.category or not listing.serves(need):
                        continue
                    if strict and not skills <= listing.skills:
                        continue
                    if exclusive and any(skills <= x.skills for x in others):
                        continue
                    return need, listing
        return None

    async def make_projects(self, accepted: list[Need]) -> None:
        showcase = self._showcase(accepted)
        chunks = iter(self._chunks(accepted))
        community = {m.code: m for m in COMMUNITIES}
        # Older projects (lower numbers) tend to be further along, as on a real list.
        stories: list[tuple[str, DispatchMode, str | None, _Plan | None]] = [
            *((status, mode, story, None) for status, mode, story in PLANS),
            *((p.status, p.mode, None, p) for p in showcase),
        ]
        order = sorted(stories, key=lambda p: -_STAGE_RANK[p[0]] + self.rng.uniform(0, 3.5))
        plans: list[_Plan] = []
        for status, mode, story, own in order:
            if own is not None:
                plans.append(own)
                continue
            chunk = next(chunks, None)
            if chunk is None:
                break
            plans.append(_Plan(status, mode, story, community[chunk[0].community_code], chunk[0].category_code, chunk))
        self.plans = plans
        merged = {n.id for p in plans for n in p.needs}
        self.loose_needs = [(n.id, "pending" if n.id in self.waiting else "reviewed")
                            for n in self.all_needs if n.id not in merged]
        for plan in plans:
            await self.create(plan)
        # Offers nobody answered run out first, while no other claim or offer is pending.
        expiring = [p for p in plans if p.story == "expired"]
        for plan in expiring:
            await self.offer(plan, self.pick(plan))
        if expiring:
            later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=get_settings().offer_ttl_hours + 1)
            await projects.expire_pending(self.conn, later)
            for plan in expiring:
                self.unit_by_id[self._last_unit[plan.project_id]].live -= 1
        # Residents who never answer the closing link: complete those, then let time run out.
        closed = [p for p in plans if p.status == "closed"]
        for plan in closed:
            await self.walk(plan)
        if closed:
            later = dt.datetime.now(dt.UTC) + dt.timedelta(days=get_settings().closing_days + 1)
            await projects.close_unrated(self.conn, later)
        for plan in plans:
            if plan.status != "closed":
                await self.walk(plan)

    async def create(self, plan: _Plan) -> None:
        r = self.rng
        themes = [self.theme_of[n.id] for n in plan.needs]
        first_theme = themes[0][0]
        same = all(t == first_theme for t, _ in themes)
        theme = first_theme if same else _CATEGORY_NAMES[plan.category]
        individual = all(n.beneficiary_count <= 3 for n in plan.needs)
        suffix = f"（{len(plan.needs)}户）" if individual and len(plan.needs) > 1 else ""
        compounds = list(dict.fromkeys(self.compound_of[n.id] for n in plan.needs))
        where = compounds[0] if len(compounds) == 1 else plan.community.name
        title = f"{where}{theme}{suffix}"
        self.project_titles[title] = self.project_titles.get(title, 0) + 1
        if self.project_titles[title] > 1:
            title += f"（第{'一二三四五六七八九十'[self.project_titles[title] - 1]}批）"
        lines = "\n".join(f"{i}. {n.number} {n.title}" for i, n in enumerate(plan.needs, 1))
        description = f"由{len(plan.needs)}条已入库需求合并：\n{lines}"
        points = [(n.lat, n.lon) for n in plan.needs if n.lat is not None]
        lat, lon = ((round(sum(p[0] for p in points) / len(points), 6), round(sum(p[1] for p in points) / len(points), 6))
                    if points else (plan.community.lat, plan.community.lon))
        urgencies = {n.urgency for n in plan.needs}
        urgency = (Urgency.URGENT if Urgency.URGENT in urgencies else
                   Urgency.LONG_TERM if urgencies == {Urgency.LONG_TERM} else Urgency.NORMAL)
        if plan.story == "late":
            # planned to be done by last week; it will be reported late
            start = dt.datetime.combine(self.today - dt.timedelta(days=10), dt.time(9), TZ)
            end = start + dt.timedelta(days=5)
        else:
            start = dt.datetime.combine(self.today + dt.timedelta(days=r.randint(1, 10)), dt.time(9), TZ)
            end = start + dt.timedelta(days=r.choice((1, 3, 7, 14, 30)))
        skills_all = list(dict.fromkeys(s for _, sk in themes for s in sk))
        p = await projects.create_project(self.conn, ProjectIn(
            need_ids=[n.id for n in plan.needs], title=title, description=description,
            category_code=plan.category, community_code=plan.community.code,
            required_skills=[] if plan.story == "team" else skills_all,
            place="、".join(compounds), lat=lat, lon=lon, window_start=start, window_end=end,
            # "team": a bigger job the batch job proposes to a lead (主办) and a helper (协办)
            units_required=2 if plan.story == "team" else 1, estimated_hours=Decimal(r.choice((2, 3, 4, 6))) * len(plan.needs),
            priority=5 if urgency is Urgency.URGENT else r.choice((2, 3, 3, 4)), urgency=urgency,
            dispatch_mode=plan.mode,
            claim_deadline=(dt.datetime.now(dt.UTC) + dt.timedelta(days=14)) if plan.mode is C else None,
        ), _secretary(plan.community.code))
        plan.project_id, plan.number = p.id, p.number
        if not (plan.status == "draft" or plan.story == "from_draft"):
            await projects.publish_project(self.conn, p.id, _secretary(plan.community.code))

    # choosing and taking --------------------------------------------------------------------

    def pick(self, plan: _Plan, exclude: tuple[int, ...] = ()) -> tuple[int, int | None]:
        """A unit with room under its cap: one listing the subcategory, else the top level.

        A showcase plan goes to its own unit; other plans leave the showcase units room for it
        and for the batch job's proposal."""
        if plan.unit is not None and plan.unit[0] not in exclude:
            return plan.unit
        top = plan.category.split(".")[0]
        for pool in (self.offers.get(plan.category, []),
                     [o for cat, offers in sorted(self.offers.items()) if cat.split(".")[0] == top for o in offers]):
            fits = [(u, res) for u, res in pool if u not in exclude and self._room(u)]
            if fits:
                return self.rng.choice(fits)
        fits = [u.id for u in self.units if u.id not in exclude and self._room(u.id)]
        return self.rng.choice(fits), None

    def _room(self, unit_id: int) -> bool:
        u = self.unit_by_id[unit_id]
        kept = 3 if u.name in self.showcase_names else 0
        return u.live < u.cap - kept

    def _taken(self, plan: _Plan, unit_id: int) -> None:
        self._last_unit[plan.project_id] = unit_id
        self.unit_by_id[unit_id].live += 1

    async def offer(self, plan: _Plan, choice: tuple[int, int | None]) -> None:
        unit_id, res = choice
        kind, actor = ((AssignmentKind.PROPOSAL, BATCH) if plan.mode is OPT
                       else (AssignmentKind.DIRECTED, _secretary(plan.community.code)))
        await projects.direct_project(self.conn, plan.project_id, unit_id, actor, resource_id=res, kind=kind)
        self._taken(plan, unit_id)

    async def claim(self, plan: _Plan, choice: tuple[int, int | None]) -> None:
        unit_id, res = choice
        await projects.claim_project(self.conn, plan.project_id, unit_id, _unit_actor(unit_id), resource_id=res)
        self._taken(plan, unit_id)

    async def ask(self, plan: _Plan, exclude: tuple[int, ...] = ()) -> int:
        """Claim or offer, by the project's mode; returns the unit asked."""
        choice = self.pick(plan, exclude)
        if plan.mode is C:
            await self.claim(plan, choice)
        else:
            await self.offer(plan, choice)
        return choice[0]

    async def take(self, plan: _Plan, exclude: tuple[int, ...] = ()) -> int:
        """Claim and confirm, or offer and accept: the project ends 已接单."""
        unit_id = await self.ask(plan, exclude)
        if plan.mode is C:
            await projects.confirm_claim(self.conn, plan.project_id, _secretary(plan.community.code))
        else:
            await projects.accept_offer(self.conn, plan.project_id, unit_id, _unit_actor(unit_id))
        return unit_id

    def _free(self, unit_id: int) -> None:
        self.unit_by_id[unit_id].live -= 1

    async def progress(self, plan: _Plan, unit_id: int) -> None:
        r = self.rng
        for i in range(r.randint(1, 3)):
            body = r.choice(PROGRESS_LINES).format(weekday=r.choice(WEEKDAYS), k=r.randint(2, 6))
            photo = f"https://example.org/demo/{plan.number}-{i + 1}.jpg" if r.random() < 0.4 else None
            await projects.add_progress(self.conn, plan.project_id, unit_id, ProgressIn(body=body, photo_url=photo),
                                        _unit_actor(unit_id))

    async def complete(self, plan: _Plan, unit_id: int) -> str:
        r = self.rng
        served = sum(n.beneficiary_count for n in plan.needs)
        done = await projects.complete_project(self.conn, plan.project_id, unit_id, CompletionIn(
            note=r.choice(COMPLETION_NOTES), beneficiaries_served=served,
            hours_spent=Decimal(r.choice((2, 3, 4, 5, 8))) * len(plan.needs)), _unit_actor(unit_id))
        self._free(unit_id)
        return done.closing_token

    async def walk(self, plan: _Plan) -> None:
        """Take the project from 已发布 to its planned status, by way of its detour."""
        if plan.status == "draft":
            return
        if plan.status == "cancelled":
            await self.cancel(plan)
            return
        sec = _secretary(plan.community.code)
        pid, story = plan.project_id, plan.story
        tried: tuple[int, ...] = ()
        if story == "expired":
            tried = (self._last_unit[pid],)
        elif story == "released":
            first = await self.ask(plan)
            await projects.release_claim(self.conn, pid, first, _unit_actor(first))
            self._free(first)
            tried = (first,)
        elif story == "rejected_claim":
            first = await self.ask(plan)
            await projects.reject_claim(self.conn, pid, sec, note="该单位本月在办项目较多，请其他单位认领")
            self._free(first)
            tried = (first,)
        elif story == "declined":
            first = await self.ask(plan)
            reason = self.rng.choice((DeclineReason.CAPACITY_FULL, DeclineReason.SCHEDULE_CONFLICT,
                                      DeclineReason.OUT_OF_AREA, DeclineReason.SKILL_MISMATCH))
            await projects.decline_offer(self.conn, pid, first, ReasonIn(reason=reason), _unit_actor(first))
            self._free(first)
            tried = (first,)
        elif story == "withdrawn_offer":
            first = await self.ask(plan)
            await projects.withdraw_offer(self.conn, pid, sec, note="居民希望换一家更近的单位")
            self._free(first)
            tried = (first,)
        elif story == "returned":
            first = await self.take(plan)
            if self.rng.random() < 0.5:
                await projects.add_progress(self.conn, pid, first, ProgressIn(body="已上门查看，现场情况超出本单位能力。"),
                                            _unit_actor(first))
            await projects.give_back(self.conn, pid, first, ReasonIn(
                reason=DeclineReason.SKILL_MISMATCH, note="需要专业资质，本单位无法完成"), _unit_actor(first))
            self._free(first)
            tried = (first,)
        if plan.status == "published":
            return
        if plan.status == "dispatched" and plan.mode is OPT:
            return  # left open: the batch job at the end of the load proposes it, with its reasons
        if plan.status in ("claiming", "dispatched"):
            await self.ask(plan, tried)
            return
        unit_id = await self.take(plan, tried)
        if plan.status == "accepted":
            return
        await self.progress(plan, unit_id)
        if plan.status == "in_progress":
            return
        token = await self.complete(plan, unit_id)
        if plan.status == "awaiting_close":
            self.closing_links.append((plan.number, token))
        elif plan.status == "rated":
            await self.rate(plan, unit_id, token)

    async def rate(self, plan: _Plan, unit_id: int, token: str) -> None:
        r = self.rng
        q = self.unit_by_id[unit_id].quality
        score = max(1, min(5, round(1 + 4 * q + r.uniform(-0.8, 0.6))))
        if plan.story == "late":
            score = max(1, score - 1)
        await projects.close_by_resident(self.conn, token, ClosingIn(
            outcome=OUTCOMES[score], score=score, comment=r.choice(RATING_COMMENTS[score])))

    async def cancel(self, plan: _Plan) -> None:
        code, note = self.rng.choice(CANCEL_REASONS)
        pid, sec = plan.project_id, _secretary(plan.community.code)
        holder: int | None = None
        if plan.story in ("from_claiming", "from_dispatched"):
            holder = await self.ask(plan)
        elif plan.story == "from_in_progress":
            holder = await self.take(plan)
            await self.progress(plan, holder)
        await projects.cancel_project(self.conn, pid, sec, code, note)
        if holder is not None:
            self._free(holder)


_CATEGORY_NAMES = {
    "public.elderly": "养老助残服务", "public.health": "医疗健康服务", "public.legal": "法律咨询服务",
    "public.repair": "居民维修服务", "public.environment": "环境整治", "public.policy": "政策宣讲",
    "charity.hardship": "困难帮扶", "charity.donation": "爱心捐赠", "charity.childcare": "儿童托管",
    "charity.counselling": "心理疏导", "charity.volunteer": "志愿服务", "employment.guidance": "就业指导",
    "employment.training": "技能培训", "employment.startup": "创业扶持", "culture.activities": "文体活动",
    "culture.performance": "文艺演出", "culture.fitness": "全民健身", "culture.reading": "阅读活动",
    "talent.consulting": "专业咨询", "talent.tutoring": "课业辅导", "talent.technology": "科技服务",
    "talent.finance": "金融知识普及",
}
