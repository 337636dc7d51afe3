"""Synthetic scanned pages for OCR tests and benchmarks.

Chinese text is drawn into an A4 PDF with an embedded TrueType font (WenQuanYi
Micro Hei: reportlab renders it exactly, unlike the CFF-based Noto CJK fonts) and
rasterised with pdfium, so the ground truth of every page is known character by
character. Text is wrapped per character because Chinese has no spaces to break on.
"""

from __future__ import annotations

import difflib
import io
import random
import unicodedata
from collections.abc import Sequence
from functools import cache

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_NAME = "WQY"
SERIF_FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SERIF_FONT_INDEX = 2  # the Simplified Chinese face inside the collection
MARGIN_PT = 72.0  # 2.54 cm, Word's default margin
POINTS_PER_INCH = 72.0

# A realistic business-plan paragraph: company facts, AM process names, money, dates, English terms.
BUSINESS_PLAN_PARAGRAPH = (
    "江苏华熔增材科技有限公司成立于2019年3月15日，注册资本1200万元，专注于金属增材制造装备与工艺服务。"
    "公司核心产品为激光选区熔化（SLM）设备，成形尺寸达到400mm×400mm×500mm，"
    "采用四激光器协同扫描，成形效率较单激光提升3.2倍。"
    "2023年公司实现营业收入5860万元，同比增长47.5%，净利润820万元；"
    "研发投入占营业收入的比例为18.6%，累计获得发明专利12项、实用新型专利35项、软件著作权9项。"
    "团队共有员工86人，其中博士6人、硕士21人，核心技术人员来自清华大学和华中科技大学。"
    "公司已与中国航发、中国商飞等客户建立长期合作关系，为航空发动机燃油喷嘴、"
    "钛合金支架等零件提供LPBF打印及后处理服务。"
    "本项目计划自2024年1月1日起实施，周期为24个月，总投资3500万元，其中申请政府资金500万元，"
    "企业自筹3000万元，主要用于建设年产50台大尺寸金属3D打印设备的生产线。"
    "项目达产后预计新增年销售收入1.5亿元，新增就业岗位120个，带动上下游产业链产值超过5亿元。"
)

# Sentences mixed into the dense benchmark pages; each carries the kind of token that trips OCR.
_SENTENCES = (
    "公司主营业务为金属粉末床熔融设备的研发、生产和销售，产品覆盖航空航天、医疗器械和模具制造领域。",
    "激光选区熔化（SLM）技术利用高能激光逐层熔化金属粉末，可直接成形复杂内流道结构。",
    "2023年度公司实现营业收入7342.6万元，较上年增长38.4%，毛利率保持在45%以上。",
    "截至2024年6月30日，公司共拥有授权发明专利17项，另有23项专利处于实质审查阶段。",
    "核心团队由12名工程师组成，平均从业年限超过8年，曾主持国家重点研发计划项目2项。",
    "电子束熔融（EBM）与定向能量沉积（DED）工艺可作为LPBF的补充，用于大型构件修复。",
    "项目总投资4800万元，其中设备购置2650万元，厂房改造680万元，流动资金1470万元。",
    "钛合金Ti6Al4V试样的抗拉强度达到1150MPa，延伸率为12%，满足GB/T 228.1标准要求。",
    "公司于2022年9月通过ISO 9001质量管理体系认证，并于2023年取得AS9100D航空质量体系证书。",
    "预计到2026年，国内金属增材制造市场规模将达到320亿元，年均复合增长率约为25%。",
    "产品售价为每台286万元，较同类进口设备低约40%，交货周期由6个月缩短至3个月。",
    "本轮计划融资3000万元，出让股权15%，投后估值2亿元，资金主要用于新产品研发和市场拓展。",
    "公司位于苏州工业园区星湖街328号，自有生产面积5600平方米，洁净车间面积1200平方米。",
    "与西北工业大学共建的联合实验室于2021年11月挂牌，重点研究高温合金的打印工艺窗口。",
    "风险因素主要包括原材料价格波动、核心人才流失以及下游客户验证周期较长等。",
    "应收账款周转天数由2022年的146天下降到2023年的98天，经营性现金流净额为1260万元。",
    "设备采用自主开发的切片软件AMBuild 3.0，支持STL、3MF等格式，层厚可在20μm至100μm之间调节。",
    "第一阶段（2024年1月至2024年12月）完成样机研制，第二阶段完成小批量试产与用户验证。",
    "公司董事长张明华先生毕业于哈尔滨工业大学材料学院，曾任某上市公司技术总监。",
    "已累计为326家客户提供打印服务，客户复购率达到67.3%，其中世界500强企业11家。",
    "主要财务指标：2021年营收1865.20万元，2022年3021.75万元，2023年4410.08万元。",
    "粉末粒径分布D10为15μm、D50为32μm、D90为53μm，氧含量低于800ppm，流动性为16.5s/50g。",
    "设备型号HR-M450的最大扫描速度为7m/s，激光功率500W，光斑直径70～100μm。",
    "公司被认定为国家高新技术企业和江苏省专精特新中小企业，证书编号GR202332001234。",
    "知识产权方面，“一种多激光拼接区域的搭接补偿方法”已于2023年8月获得授权。",
    "市场推广采取“设备销售＋打印服务＋工艺授权”的组合模式，重点开拓华东和西南地区客户。",
    "拟招聘算法工程师5名、工艺工程师8名、销售经理4名，人员费用预算为每年620万元。",
    "产品通过了中国航发北京航空材料研究院的第三方检测，致密度达到99.95%。",
    "联系人：李晓峰，电话0512-6688 1234，邮箱contact@hrzc-am.cn。",
    "竞争对手包括EOS、SLM Solutions、铂力特和华曙高科，公司在大幅面设备上具备价格优势。",
    "退出机制：计划于2027年启动科创板IPO申报，或由产业资本以并购方式实现投资退出。",
    "每千克316L不锈钢零件的综合打印成本由1980元降至1260元，降幅约36.4%。",
)


@cache
def register_font() -> str:
    """Register the embedded CJK TrueType font once and return its reportlab name."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, FONT_PATH, subfontIndex=0))
    return FONT_NAME


def wrap_chars(text: str, width_pt: float, font_size: float) -> list[str]:
    """Break text into lines no wider than ``width_pt``, one character at a time."""
    font = register_font()
    lines: list[str] = []
    current = ""
    for char in text:
        if current and pdfmetrics.stringWidth(current + char, font, font_size) > width_pt:
            lines.append(current)
            current = ""
        current += char
    if current:
        lines.append(current)
    return lines


def render_pdf(
    paragraphs: Sequence[str], *, font_size: float = 10.5, leading: float = 1.5, max_lines: int | None = None
) -> tuple[bytes, str]:
    """Draw paragraphs onto one A4 page; return the PDF and the text actually drawn.

    Text that does not fit on the page is dropped, so the returned text is the exact
    ground truth of the page (lines joined by newlines).
    """
    font = register_font()
    page_w, page_h = A4
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(wrap_chars(paragraph, page_w - 2 * MARGIN_PT, font_size))
    step = font_size * leading
    fit = int((page_h - 2 * MARGIN_PT) // step)
    lines = lines[: min(fit, max_lines or fit)]

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont(font, font_size)
    y = page_h - MARGIN_PT - font_size
    for line in lines:
        pdf.drawString(MARGIN_PT, y, line)
        y -= step
    pdf.showPage()
    pdf.save()
    return buffer.getvalue(), "\n".join(lines)


def rasterise(pdf_bytes: bytes, dpi: int = 150, page_index: int = 0, grey: bool = True) -> Image.Image:
    """Render one PDF page to a PIL image at ``dpi`` (greyscale by default, like most scanners)."""
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        page = document[page_index]
        bitmap = page.render(scale=dpi / POINTS_PER_INCH, grayscale=grey)
        image = bitmap.to_pil().copy()  # copy: the bitmap's buffer dies with the document
        page.close()
    finally:
        document.close()
    return image.convert("L") if grey else image.convert("RGB")


def scanned_page(paragraphs: Sequence[str], dpi: int = 150, *, font_size: float = 10.5,
                 leading: float = 1.5) -> tuple[Image.Image, str]:
    """A page image as a scanner would produce it, with its ground-truth text."""
    pdf_bytes, truth = render_pdf(paragraphs, font_size=font_size, leading=leading)
    return rasterise(pdf_bytes, dpi), truth


def dense_paragraphs(seed: int, count: int = 40) -> list[str]:
    """Business-plan-like paragraphs of shuffled sentences: enough to fill an A4 page densely."""
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(count):
        paragraphs.append("".join(rng.sample(_SENTENCES, k=rng.randint(2, 4))))
    return paragraphs


def figures_paragraphs(seed: int, count: int = 60) -> list[str]:
    """Lines of random figures, codes and English words: the worst case for a narrow-glyph recogniser.

    Random numbers with repeated digits (1100.00, 0.0011) cannot be guessed from language
    context, and CTC decoding must see a gap between two equal neighbours to keep both.
    """
    rng = random.Random(seed)
    items = ("营业收入", "净利润", "研发投入", "应收账款", "固定资产", "经营性现金流")
    words = ("LPBF", "SLM", "DED", "EBM", "Inconel 718", "AlSi10Mg", "Ti6Al4V", "ISO 9001", "CT scan", "STL")
    paragraphs = []
    for _ in range(count):
        figures = [f"{rng.choice((1, 11, 100, 1000, 7, 77)) * rng.randint(1, 999) / 100:.2f}" for _ in range(3)]
        code = "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 12)))
        paragraphs.append(
            f"{rng.choice(items)}：{rng.randint(2015, 2029)}年{figures[0]}万元、{figures[1]}万元，"
            f"增长{rng.randint(0, 1000) / 10}%，{rng.choice(words)}编号{code}，{figures[2]}mm。"
        )
    return paragraphs


def dense_page(seed: int, dpi: int = 150) -> tuple[Image.Image, str]:
    """A full A4 page of 10.5 pt (五号) Chinese text at 1.5 line spacing, as a ``dpi`` scan."""
    return scanned_page(dense_paragraphs(seed), dpi)


def serif_page(paragraphs: Sequence[str], dpi: int = 150, font_size: float = 10.5,
               leading: float = 1.5) -> tuple[Image.Image, str]:
    """A page drawn directly with Pillow in Noto Serif CJK (宋体-like strokes), with its ground truth.

    reportlab cannot embed the CFF-outline Noto fonts, so this second font family is drawn
    straight onto the raster: it checks that OCR does not depend on one sans-serif face.
    """
    scale = dpi / POINTS_PER_INCH
    font = ImageFont.truetype(SERIF_FONT_PATH, round(font_size * scale), index=SERIF_FONT_INDEX)
    page_w, page_h = round(A4[0] * scale), round(A4[1] * scale)
    margin, usable = round(MARGIN_PT * scale), round((A4[0] - 2 * MARGIN_PT) * scale)
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(_wrap_pil(paragraph, font, usable))
    step = round(font_size * leading * scale)
    lines = lines[: (page_h - 2 * margin) // step]
    image = Image.new("L", (page_w, page_h), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=font, fill=0)
    return image, "\n".join(lines)


def _wrap_pil(text: str, font: ImageFont.FreeTypeFont, width_px: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for char in text:
        if current and font.getlength(current + char) > width_px:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current else lines


def degrade(image: Image.Image, seed: int = 0, angle: float = 0.6, jpeg_quality: int = 60) -> Image.Image:
    """Make a clean render look like a cheap office scan: skew, blur, sensor noise, JPEG artefacts."""
    rng = np.random.default_rng(seed)
    grey = image.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    grey = grey.filter(ImageFilter.GaussianBlur(0.6))
    pixels = np.asarray(grey, dtype=np.float32) + rng.normal(0.0, 12.0, (grey.height, grey.width))
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    buffer = io.BytesIO()
    noisy.save(buffer, format="JPEG", quality=jpeg_quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def image_pdf(images: Sequence[Image.Image], dpi: int = 150) -> bytes:
    """Wrap page images into an image-only PDF (no text layer), one page per image."""
    first, *rest = [im.convert("RGB") if im.mode not in ("L", "RGB") else im for im in images]
    buffer = io.BytesIO()
    first.save(buffer, format="PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return buffer.getvalue()


def normalise(text: str) -> str:
    """NFKC (full/half-width punctuation, Kangxi radicals) and no whitespace: what OCR is judged on."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def similarity(truth: str, ocr: str) -> float:
    """Character similarity of two texts after normalisation, 0..1 (difflib ratio, no junk heuristic)."""
    return difflib.SequenceMatcher(None, normalise(truth), normalise(ocr), autojunk=False).ratio()
