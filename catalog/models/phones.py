"""Phone numbers as people write them: 手机号码 (``MobilePhone``) and 联系电话 (``ContactPhone``)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

# Phone numbers as people write them: spaces, hyphens, dots, brackets, full-width digits and
# +86 / 0086 are taken off; what is stored is the bare number (a landline with a hyphen after
# its area code), always within the database's CHECK.
_PHONE_NOISE = re.compile(r"[\s\-.()\u2010-\u2015\u2212]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# area code 010, 02x or 0xxx (three digits after the 0), then a local number of 7-8 digits
# that never starts with 0 or 1
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([2-9][0-9]{6,7})")
MOBILE_MESSAGE = "请填写 11 位手机号码，如 13812345678"
CONTACT_MESSAGE = "请填写 11 位手机号码或带区号的固定电话，如 13812345678 或 0351-2345678"


def _phone_digits(text: str) -> str:
    """The number's digits, or ``""`` for text far too long to be one."""
    if len(text) > 40:
        return ""
    s = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086"):
        if s.startswith(prefix):
            s = s[len(prefix):]
            # +86 351 …: an area code written after the country code loses its 0
            return s if s[:1] == "0" or _MOBILE.fullmatch(s) else "0" + s
    if len(s) == 13 and s.startswith("86") and _MOBILE.fullmatch(s[2:]):
        return s[2:]
    return s


# The same numbers as the OpenAPI document states them, so that the document accepts exactly what
# the server does: digits (full-width too) with the separators above between them, an optional
# +86 / 0086 / 86 in front (so never more than 40 characters). A number of this shape always normalises to a
# valid one below, and nothing else is taken.
_SEP = "[ \u3000\t.()\\-\u2010-\u2015\u2212]"
_DIGIT = "[0-9\uff10-\uff19]"
# one separator at most between two digits, two at either end or after the country code
MOBILE_SHAPE = (f"^{_SEP}{{0,2}}(?:(?:\\+|00)?86{_SEP}{{0,2}})?[1\uff11]{_SEP}?[3-9\uff13-\uff19]"
                f"(?:{_SEP}?{_DIGIT}){{9}}{_SEP}{{0,2}}$")
LANDLINE_SHAPE = (f"^{_SEP}{{0,2}}(?:(?:\\+|00)86{_SEP}{{0,2}}(?:0{_SEP}?)?|0{_SEP}?)"
                  f"(?:1{_SEP}?0|2{_SEP}?{_DIGIT}|[3-9\uff13-\uff19]{_SEP}?{_DIGIT}{_SEP}?{_DIGIT}){_SEP}{{0,2}}"
                  f"[2-9\uff12-\uff19](?:{_SEP}?{_DIGIT}){{6,7}}{_SEP}{{0,2}}$")
_PHONE_MAX = 40


def _shaped(text: str, shape: str) -> bool:
    return len(text) <= _PHONE_MAX and re.fullmatch(shape, text) is not None


def mobile_number(text: str) -> str:
    """A mainland mobile number, bare (``13812345678``): the closing link goes to it by SMS."""
    if not _shaped(text, MOBILE_SHAPE):
        if _shaped(text, LANDLINE_SHAPE):
            raise ValueError("需要手机号码（用于接收短信），不能填写固定电话")
        raise ValueError(MOBILE_MESSAGE)
    digits = _phone_digits(text)
    if not _MOBILE.fullmatch(digits):  # the shape admits none such; kept as the last word
        raise ValueError(MOBILE_MESSAGE)
    return digits


def contact_number(text: str) -> str:
    """A mobile number, or a landline with its area code (``0351-2345678``)."""
    if not (_shaped(text, MOBILE_SHAPE) or _shaped(text, LANDLINE_SHAPE)):
        raise ValueError(CONTACT_MESSAGE)
    digits = _phone_digits(text)
    if _MOBILE.fullmatch(digits):
        return digits
    if m := _LANDLINE.fullmatch(digits):
        return f"{m.group(1)}-{m.group(2)}"
    raise ValueError(CONTACT_MESSAGE)


# 手机号码: where a text message must reach the person (a resident's need).
MobilePhone = Annotated[str, AfterValidator(mobile_number),
                        Field(description="手机号码：11 位，可带 +86、空格或连字符", examples=["13812345678"],
                              json_schema_extra={"pattern": MOBILE_SHAPE})]
# 联系电话: where someone may call (a unit's contact).
ContactPhone = Annotated[str, AfterValidator(contact_number),
                         Field(description="联系电话：手机号码或带区号的固定电话",
                               examples=["13812345678", "0351-2345678"],
                               json_schema_extra={"anyOf": [{"pattern": MOBILE_SHAPE}, {"pattern": LANDLINE_SHAPE}]})]
