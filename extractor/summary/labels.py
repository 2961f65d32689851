"""Plot text in Chinese (when a CJK font is found) or English; row and column names from the schema."""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import TEMPLATES

TEXT: dict[str, tuple[str, str]] = {
    "by_year": ("各年度报告数（按模板）", "Reports by year and template"),
    "by_format": ("各文件格式报告数（按模板）", "Reports by file format and template"),
    "year": ("报告年度", "report year"),
    "format": ("文件格式", "file format"),
    "reports": ("报告数", "reports"),
    "files": ("文件数", "files"),
    "failures": ("提取失败原因", "Files that could not be extracted, by reason"),
    "checks": ("勾稽关系校验结果（按报告）", "Consistency checks, share of reports"),
    "fail": ("不通过", "fail"),
    "not_assessable": ("无法判断", "not assessable"),
    "pass": ("通过", "pass"),
    "share_reports": ("报告占比", "share of reports"),
    "new_requests": ("本年新收政府信息公开申请数量（总计）", "Requests received (new_requests, total)"),
    "per_report": ("每份报告", "per report"),
    "shares": ("予以公开与不予公开占办理总数之比", "Share granted and denied of requests processed"),
    "share_granted": ("予以公开", "granted"),
    "share_denied": ("不予公开", "denied"),
    "share": ("占（七）总计之比", "share of total processed"),
    "review": ("行政复议、行政诉讼结果（全部报告合计）", "Review and litigation outcomes, all reports"),
    "cases": ("件数", "cases"),
    "no_data": ("无数据", "no data"),
    "template_legacy": ("2019年前", "legacy"),
}


@dataclass(frozen=True)
class Labels:
    """Plot text in one language: ``zh`` needs a font that draws Chinese."""

    chinese: bool

    def __call__(self, key: str) -> str:
        zh, en = TEXT[key]
        return zh if self.chinese else en

    def template(self, key: str) -> str:
        if key == "legacy":
            return self("template_legacy")
        return f"{key}版模板" if self.chinese and key in TEMPLATES else key

    def row(self, table: str, row: str) -> str:
        """The printed label of ``table.row`` (its group first, e.g. 行政诉讼 复议后起诉), or the key."""
        if not self.chinese:
            return row
        for template in TEMPLATES.values():
            spec = next((t for t in template.tables if t.key == table), None)
            r = next((r for r in spec.rows if r.key == row), None) if spec else None
            if r is not None:
                return f"{r.group} {r.label}" if r.group else r.label
        return row

    def column(self, table: str, column: str) -> str:
        """The printed label of a column of ``table`` (e.g. 结果纠正), or the key."""
        if not self.chinese:
            return column
        for template in TEMPLATES.values():
            spec = next((t for t in template.tables if t.key == table), None)
            if spec is None:
                continue
            for r in spec.rows:
                c = next((c for c in spec.columns_of(r) if c.key == column), None)
                if c is not None:
                    return c.label
        return column
