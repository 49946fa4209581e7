"""The county's clock, defined once: Beijing time (UTC+8).

Times are stored in UTC and shown, typed and counted in days as people in the county read a
clock. China has had no daylight saving since 1991, so a fixed offset needs no tz database.
PostgreSQL sessions use the same zone by its name (:data:`TIME_ZONE_NAME`); SQL that turns a
date into a moment writes that name (``AT TIME ZONE 'Asia/Shanghai'``).
"""

from __future__ import annotations

import datetime as dt

TIME_ZONE_NAME = "Asia/Shanghai"
LOCAL_TIME = dt.timezone(dt.timedelta(hours=8), "北京时间")
