"""The data contract of SCHEMA.md as data: templates, tables, rows, columns and their labels.

Everything that names a table, row or column, or that recognises one by its printed label,
reads it from here. Labels are matched after ``mapping.labels.normalise`` (full/half width,
spaces, punctuation, numbering, traditional characters), so only genuinely different wordings
need an alias.

The schema objects are constants compared by identity (``eq=False``): hashing them for the
mapper's caches costs nothing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    kind: str = "count"  # "count" (int), "money" (decimal), "signed" (int with +/-)
    unit: str | None = None  # default unit when the cell prints none
    short: str | None = None  # a short Chinese form for narrow displays (the terminal view)

    @property
    def display(self) -> str:
        return self.short or self.label


@dataclass(frozen=True, eq=False)
class Row:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    group: str | None = None  # the merged group label printed to the left, e.g. （三）不予公开
    columns: tuple[Column, ...] | None = None  # rows of part 二 carry their own columns
    short: str | None = None  # a short Chinese form for narrow displays (the terminal view)

    @property
    def display(self) -> str:
        return self.short or self.label


@dataclass(frozen=True, eq=False)
class TableSpec:
    key: str
    title: str
    rows: tuple[Row, ...]
    columns: tuple[Column, ...] = ()
    # Phrases that identify the table by its contents (headers, corner note), not its number.
    markers: tuple[str, ...] = ()

    def columns_of(self, row: Row) -> tuple[Column, ...]:
        return row.columns if row.columns is not None else self.columns

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)

    def addresses(self) -> list[tuple[str, str]]:
        """Every (row, column) of the table, in printed order."""
        return [(r.key, c.key) for r in self.rows for c in self.columns_of(r)]


@dataclass(frozen=True, eq=False)
class Template:
    key: str  # "2021" or "2019"
    document: str  # the circular that defines it
    tables: tuple[TableSpec, ...]
    # Labels that occur in this template's tables only; used to tell the templates apart.
    markers: tuple[str, ...] = ()

    def table(self, key: str) -> TableSpec:
        return next(t for t in self.tables if t.key == key)

    def addresses(self) -> list[tuple[str, str, str]]:
        return [(t.key, r, c) for t in self.tables for r, c in t.addresses()]


@dataclass(frozen=True, eq=False)
class Section:
    key: str
    heading: str
    # A heading matches when its normalised text contains every phrase of one alternative.
    patterns: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


SECTIONS: tuple[Section, ...] = (
    Section("overview", "一、总体情况", (("总体情况",), ("概述",))),
    Section("active_disclosure", "二、主动公开政府信息情况", (("主动公开政府信息情况",), ("主动公开政府信息",))),
    Section("requests", "三、收到和处理政府信息公开申请情况",
            (("收到和处理政府信息公开申请",), ("收到和处理",), ("依申请公开",))),
    Section("review_litigation", "四、政府信息公开行政复议、行政诉讼情况",
            (("行政复议", "行政诉讼"), ("复议", "诉讼", "政府信息公开"))),
    Section("problems", "五、存在的主要问题及改进情况", (("存在的主要问题",), ("问题及改进",), ("问题和改进",))),
    Section("other_matters", "六、其他需要报告的事项", (("其他需要报告的事项",),)),
)

# --- columns ----------------------------------------------------------------------------------

_ISSUED = Column("issued", "本年制发件数", ("本年制发",))
_REPEALED = Column("repealed", "本年废止件数", ("本年废止",))
_IN_FORCE = Column("in_force", "现行有效件数", ("现行有效",))
_DECISIONS_2021 = Column("decisions", "本年处理决定数量", ("处理决定数量", "本年处理决定"))
_FEE_AMOUNT = Column("amount", "本年收费金额（单位：万元）", ("本年收费金额",), kind="money", unit="万元")

_NEWLY_MADE = Column("newly_made", "本年新制作数量", ("本年新制作", "本年新"))
_NEWLY_PUBLISHED = Column("newly_published", "本年新公开数量", ("本年新公开",))
_TOTAL_PUBLISHED = Column("total_published", "对外公开总数量", ("对外公开总数",))
_PREVIOUS_ITEMS = Column("previous_year_items", "上一年项目数量", ("上一年项目",))
_CHANGE = Column("change", "本年增/减", ("本年增减", "增减"), kind="signed")
_DECISIONS_2019 = Column("decisions", "处理决定数量", ("本年处理决定数量",))
_PROCUREMENT_ITEMS = Column("procurement_items", "采购项目数量", ("采购项目",))
_PROCUREMENT_AMOUNT = Column("procurement_amount", "采购总金额", ("采购金额",), kind="money")

APPLICANT_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial_enterprise", "商业企业", short="商业"),
    Column("research_institution", "科研机构", short="科研"),
    Column("social_welfare_org", "社会公益组织", short="公益"),
    Column("legal_service_org", "法律服务机构", short="法律"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
# Printed by some bodies between 其他 and 总计; read and checked, but not part of the schema.
SUBTOTAL_LABEL = "小计"
APPLICANT_GROUP_LABELS = ("申请人情况", "法人或其他组织")
CONTENT_HEADER = "信息内容"  # the header over part 二's row labels

REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持", short="维持"),
    Column("corrected", "结果纠正", short="纠正"),
    Column("other", "其他结果", short="其他"),
    Column("pending", "尚未审结", short="未结"),
    Column("total", "总计"),
)

# --- tables -------------------------------------------------------------------------------------

_ACTIVE_2021 = TableSpec(
    "active_disclosure", "二、主动公开政府信息情况",
    rows=(
        Row("regulations", "规章", columns=(_ISSUED, _REPEALED, _IN_FORCE)),
        Row("normative_documents", "行政规范性文件", ("规范性文件",), columns=(_ISSUED, _REPEALED, _IN_FORCE)),
        Row("administrative_licensing", "行政许可", columns=(_DECISIONS_2021,)),
        Row("administrative_penalty", "行政处罚", columns=(_DECISIONS_2021,)),
        Row("administrative_coercion", "行政强制", columns=(_DECISIONS_2021,)),
        Row("administrative_fees", "行政事业性收费", columns=(_FEE_AMOUNT,)),
    ),
    markers=("第二十条第", CONTENT_HEADER, "本年制发件数", "本年处理决定数量", "本年收费金额"),
)

_LICENSING_COLS = (_PREVIOUS_ITEMS, _CHANGE, _DECISIONS_2019)
_ACTIVE_2019 = TableSpec(
    "active_disclosure", "二、主动公开政府信息情况",
    rows=(
        Row("regulations", "规章", columns=(_NEWLY_MADE, _NEWLY_PUBLISHED, _TOTAL_PUBLISHED)),
        Row("normative_documents", "规范性文件", ("行政规范性文件",),
            columns=(_NEWLY_MADE, _NEWLY_PUBLISHED, _TOTAL_PUBLISHED)),
        Row("administrative_licensing", "行政许可", columns=_LICENSING_COLS),
        Row("other_external_services", "其他对外管理服务事项", ("其他对外管理服务",), columns=_LICENSING_COLS),
        Row("administrative_penalty", "行政处罚", columns=_LICENSING_COLS),
        Row("administrative_coercion", "行政强制", columns=_LICENSING_COLS),
        Row("administrative_fees", "行政事业性收费", columns=(_PREVIOUS_ITEMS, _CHANGE)),
        Row("government_procurement", "政府集中采购", ("政府采购",), columns=(_PROCUREMENT_ITEMS, _PROCUREMENT_AMOUNT)),
    ),
    markers=("第二十条第", CONTENT_HEADER, "本年新制作数量", "上一年项目数量", "采购项目数量"),
)

_G3, _G4, _G5, _G6 = "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"

_REQUEST_ROWS_HEAD = (
    Row("new_requests", "一、本年新收政府信息公开申请数量", ("本年新收政府信息公开申请", "本年新收"), short="本年新收申请"),
    Row("carried_over", "二、上年结转政府信息公开申请数量", ("上年结转政府信息公开申请", "上年结转"), short="上年结转申请"),
    Row("granted", "（一）予以公开", short="予以公开"),
    Row("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("部分公开",),
        short="部分公开"),
    Row("denied_state_secret", "1.属于国家秘密", ("国家秘密",), group=_G3, short="不予公开·国家秘密"),
    Row("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", ("法律行政法规禁止公开",), group=_G3,
        short="不予公开·法规禁止"),
    Row("denied_three_safeties", "3.危及“三安全一稳定”", ("危及三安全一稳定", "三安全一稳定"), group=_G3,
        short="不予公开·三安全一稳定"),
    Row("denied_third_party_rights", "4.保护第三方合法权益", ("第三方合法权益",), group=_G3,
        short="不予公开·第三方权益"),
    Row("denied_internal_affairs", "5.属于三类内部事务信息", ("三类内部事务信息", "内部事务信息"), group=_G3,
        short="不予公开·内部事务"),
    Row("denied_process_information", "6.属于四类过程性信息", ("四类过程性信息", "过程性信息"), group=_G3,
        short="不予公开·过程性信息"),
    Row("denied_enforcement_files", "7.属于行政执法案卷", ("行政执法案卷",), group=_G3, short="不予公开·执法案卷"),
    Row("denied_administrative_inquiry", "8.属于行政查询事项", ("行政查询事项",), group=_G3,
        short="不予公开·行政查询"),
    Row("unable_not_held", "1.本机关不掌握相关政府信息", ("本机关不掌握",), group=_G4, short="无法提供·不掌握"),
    Row("unable_needs_creation", "2.没有现成信息需要另行制作", ("没有现成信息",), group=_G4,
        short="无法提供·需另行制作"),
    Row("unable_unclear", "3.补正后申请内容仍不明确", ("补正后申请内容仍不明确",), group=_G4,
        short="无法提供·补正后不明确"),
    Row("not_processed_complaints", "1.信访举报投诉类申请", ("信访举报投诉",), group=_G5,
        short="不予处理·信访举报投诉"),
    Row("not_processed_repeated", "2.重复申请", group=_G5, short="不予处理·重复申请"),
    Row("not_processed_publications", "3.要求提供公开出版物", ("公开出版物",), group=_G5,
        short="不予处理·公开出版物"),
    Row("not_processed_excessive", "4.无正当理由大量反复申请", ("大量反复申请",), group=_G5,
        short="不予处理·大量反复申请"),
    Row("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息",
        ("要求行政机关确认或重新出具",), group=_G5, short="不予处理·确认或重新出具"),
)
_REQUEST_ROWS_TAIL = (
    Row("total_processed", "（七）总计", ("总计",), short="总计"),
    Row("carried_forward", "四、结转下年度继续办理", ("结转下年度继续办理", "结转下年度"), short="结转下年度"),
)
_REQUEST_ROWS_2021 = _REQUEST_ROWS_HEAD + (
    Row("other_overdue_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ("逾期不补正",), group=_G6, short="其他处理·逾期不补正"),
    Row("other_unpaid_fees", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ("逾期未按收费通知要求缴纳费用", "收费通知"), group=_G6, short="其他处理·逾期未缴费"),
    Row("other_other", "3.其他", group=_G6, short="其他处理·其他"),
) + _REQUEST_ROWS_TAIL
_REQUEST_ROWS_2019 = _REQUEST_ROWS_HEAD + (Row("other_handling", "（六）其他处理", short="其他处理"),) + _REQUEST_ROWS_TAIL

_REQUEST_MARKERS = ("勾稽关系", "本年新收政府信息公开申请", "申请人情况", "结转下年度继续办理", "本年度办理结果")

_REQUESTS_2021 = TableSpec("requests", "三、收到和处理政府信息公开申请情况",
                           rows=_REQUEST_ROWS_2021, columns=APPLICANT_COLUMNS, markers=_REQUEST_MARKERS)
_REQUESTS_2019 = TableSpec("requests", "三、收到和处理政府信息公开申请情况",
                           rows=_REQUEST_ROWS_2019, columns=APPLICANT_COLUMNS, markers=_REQUEST_MARKERS)

REVIEW_LITIGATION = TableSpec(
    "review_litigation", "四、政府信息公开行政复议、行政诉讼情况",
    rows=(
        Row("administrative_review", "行政复议"),
        Row("litigation_direct", "未经复议直接起诉", group="行政诉讼", short="诉讼·未经复议直接起诉"),
        Row("litigation_after_review", "复议后起诉", group="行政诉讼", short="诉讼·复议后起诉"),
    ),
    columns=REVIEW_COLUMNS,
    markers=("未经复议直接起诉", "复议后起诉", "尚未审结"),
)

TEMPLATE_2021 = Template(
    "2021", "国办公开办函〔2021〕30号",
    tables=(_ACTIVE_2021, _REQUESTS_2021, REVIEW_LITIGATION),
    markers=("本年制发件数", "本年废止件数", "本年收费金额", "逾期不补正", "逾期未按收费通知要求缴纳费用"),
)
TEMPLATE_2019 = Template(
    "2019", "国办公开办函〔2019〕60号",
    tables=(_ACTIVE_2019, _REQUESTS_2019, REVIEW_LITIGATION),
    markers=("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "第二十条第(九)项",
             "其他对外管理服务事项", "采购项目数量"),
)
TEMPLATES: dict[str, Template] = {t.key: t for t in (TEMPLATE_2021, TEMPLATE_2019)}

# The metadata table most article pages print above the report (索引号 | 发布机构 | 发文日期 …):
# each label, and the report metadata it supplies (None: recorded by the fetcher, not used).
PAGE_METADATA_LABELS: dict[str, str | None] = {
    "索引号": None, "发布机构": "agency", "发文机关": "agency", "来源": "agency",
    "发文日期": "date", "发布日期": "date", "成文日期": "date", "公开日期": "date", "发布时间": "date",
    "文号": None, "发文字号": None, "主题分类": None, "信息分类": None, "名称": None, "标题": None,
    "公开方式": None, "公开范围": None, "有效性": None,
}

# Value states (SCHEMA.md "Values"), plus "missing" for a template cell the document lacks.
STATES = ("number", "blank", "dash", "unreadable", "missing")
DASH_TOKENS = ("—", "–", "-", "－", "/", "／", "无", "——", "--", "─", "━", "\\")
UNITS = ("万元", "元", "件", "个", "条", "项", "次", "人")

# Every table's markers NFKC-normalised without spaces: how a reader tells a page or a sheet that
# holds one of the template's tables (matched with any(); the order carries no meaning).
TABLE_MARKERS = tuple(sorted({unicodedata.normalize("NFKC", m).replace(" ", "")
                              for t in TEMPLATES.values() for spec in t.tables for m in spec.markers}))
