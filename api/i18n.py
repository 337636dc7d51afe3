"""Interface text in Chinese (default) and English; the language comes from ?lang= or a cookie."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("zh", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "app_name": ("创客中国·增材制造专题赛 评审系统", "Maker China AM Contest Review"),
    "documents": ("文档", "Documents"),
    "contests": ("赛事", "Contests"),
    "upload": ("上传", "Upload"),
    "upload_hint": ("可上传 PDF、DOCX、PNG/JPEG/TIFF 图片，或包含这些文件的 ZIP 压缩包（单个文件不超过 {mb} MB）。",
                    "Upload PDF, DOCX, PNG/JPEG/TIFF images, or a ZIP bundle of them (at most {mb} MB a file)."),
    "file": ("文件", "File"),
    "status": ("状态", "Status"),
    "pages": ("页数", "Pages"),
    "ocr_pages": ("OCR 页", "OCR pages"),
    "uploaded": ("上传时间", "Uploaded"),
    "queued": ("排队中", "queued"),
    "parsed": ("已解析", "parsed"),
    "refused": ("已拒收", "refused"),
    "bundle": ("压缩包", "bundle"),
    "no_documents": ("还没有文档。", "No documents yet."),
    "outline": ("目录结构", "Outline"),
    "tables": ("表格", "Tables"),
    "warnings": ("提示", "Warnings"),
    "page": ("第 {n} 页", "Page {n}"),
    "ocr_mark": ("OCR 识别（置信度 {c}）", "OCR (confidence {c})"),
    "members": ("包内文件", "Bundle members"),
    "reason": ("原因", "Reason"),
    "headers": ("页眉页脚", "Headers and footers"),
    "submissions": ("参赛项目", "Submissions"),
    "segment": ("领域", "Segment"),
    "group": ("组别", "Group"),
    "applicant": ("申报主体", "Applicant"),
    "project": ("项目名称", "Project"),
    "enterprise": ("企业组", "Enterprise"),
    "startup": ("创业组", "Start-up"),
    "refresh_hint": ("解析在后台进行，本页会自动刷新。", "Parsing runs in the background; this page refreshes itself."),
    "back": ("返回", "Back"),
}


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return chosen if chosen in LANGUAGES else "zh"


def translator(lang: str):  # type: ignore[no-untyped-def]
    index = LANGUAGES.index(lang)

    def t(key: str, **values: object) -> str:
        pair = _TEXT.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t
