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
    "dashboard": ("工作台", "Dashboard"),
    "users": ("用户", "Users"),
    "audit": ("审计日志", "Audit log"),
    "account": ("我的账户", "My account"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "new_password": ("新密码（可留空）", "new password (optional)"),
    "display_name": ("姓名", "Name"),
    "role": ("角色", "Role"),
    "role_admin": ("管理员", "Administrator"),
    "role_reviewer": ("资格审查员", "Qualification reviewer"),
    "role_judge": ("评委", "Judge"),
    "role_integrity": ("诚信审查员", "Integrity officer"),
    "active": ("启用", "active"),
    "inactive": ("停用", "inactive"),
    "change": ("修改", "Change"),
    "save": ("保存", "Save"),
    "create_user": ("添加用户", "Add user"),
    "api_tokens": ("API 令牌", "API tokens"),
    "token_hint": ("API 调用需在请求头中携带 Authorization: Bearer 令牌。",
                   "API calls carry Authorization: Bearer TOKEN."),
    "token_once": ("新令牌只显示这一次，请立即妥善保存：", "The new token is shown this once; store it now:"),
    "create_token": ("生成令牌", "Create token"),
    "revoke": ("吊销", "Revoke"),
    "revoked": ("已吊销", "revoked"),
    "name": ("名称", "Name"),
    "created": ("创建时间", "Created"),
    "last_used": ("最近使用", "Last used"),
    "kind": ("类型", "Kind"),
    "kind_thematic": ("专题赛", "thematic"),
    "kind_regional": ("地方赛", "regional"),
    "kind_overseas": ("海外赛", "overseas"),
    "contest_name": ("赛事名称", "Contest"),
    "edition": ("届次", "Edition"),
    "year": ("年份", "Year"),
    "region": ("地区", "Region"),
    "create_contest": ("新建赛事", "Create contest"),
    "action": ("操作", "Action"),
    "object": ("对象", "Object"),
    "address": ("地址", "Address"),
    "detail": ("详情", "Detail"),
    "time": ("时间", "Time"),
    "filter": ("筛选", "Filter"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "total": ("共 {n} 条", "{n} in all"),
    "original": ("下载原件", "Download original"),
    "progress": ("已处理 {done} / {total}", "{done} of {total} processed"),
    "jobs_running": ("待处理任务", "Jobs pending"),
    "jobs_failed": ("失败任务", "Jobs failed"),
    "chart_processing": ("文档处理状态", "Document processing"),
    "chart_contests": ("各赛事参赛项目数", "Submissions per contest"),
    "no_data": ("暂无数据", "No data yet"),
    "my_projects": ("我的评审项目", "My assigned projects"),
    "no_projects": ("暂无分配给您的项目。", "No projects are assigned to you yet."),
    "error_forbidden": ("您的角色无权访问此页面。", "Your role may not open this page."),
    "error_not_found": ("页面或对象不存在。", "No such page or object."),
    "error_csrf": ("表单已过期或来源不明，请刷新页面后重试。",
                   "The form expired or came from elsewhere; reload and retry."),
    "error_bad_request": ("请求无效。", "Invalid request."),
    "error_method_not_allowed": ("不支持此操作。", "This method is not allowed."),
    "error_too_large": ("请求过大。", "The request is too large."),
    "error_error": ("出错了。", "Something went wrong."),
    "error_invalid_login": ("用户名或密码错误。", "Wrong user name or password."),
    "error_too_many_attempts": ("登录失败次数过多，请 15 分钟后再试。",
                                "Too many failed sign-ins; try again in 15 minutes."),
    "error_weak_password": ("密码至少 10 个字符。", "Passwords need at least 10 characters."),
    "error_invalid_username": ("用户名须为 1–64 个字符且不含空格。", "User names are 1–64 characters without spaces."),
    "error_invalid_role": ("角色无效。", "Invalid role."),
    "error_user_exists": ("该用户名已存在。", "That user name is taken."),
    "error_self_lockout": ("不能停用自己或取消自己的管理员角色。", "You cannot demote or deactivate yourself."),
    "error_invalid_contest": ("赛事信息无效或已存在。", "Invalid or duplicate contest."),
    "error_too_many_requests": ("请求过于频繁。", "Too many requests."),
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
