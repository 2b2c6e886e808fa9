"""Generate the fictional sample papers that `papka demo` puts in a vault.

Every person, unit, address, number and organisation in them is invented, and every page says
so. Run ``python -m papka.cli.samples.make_samples`` to rebuild them; the outputs are committed
and the generator is deterministic (reportlab's invariant mode, a fixed random seed).
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FICTION = "ВЫМЫШЛЕННЫЙ ОБРАЗЕЦ ДЛЯ ДЕМОНСТРАЦИИ PAPKA · FICTIONAL SAMPLE"


def _pdf(lines: Sequence[tuple[str, int, bool]], title: str) -> bytes:
    """A one-page A4 PDF of (text, size, bold) lines in DejaVu Sans, with the fiction banner."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    page.setTitle(title)
    page.setAuthor("papka demo")
    width, height = A4
    page.setFont("DejaVu", 7)
    page.setFillGray(0.45)
    page.drawCentredString(width / 2, height - 28, FICTION)
    page.drawCentredString(width / 2, 20, FICTION)
    page.setFillGray(0)
    y = height - 70
    for text, size, bold in lines:
        # Bold is drawn by stroking the regular face: one embedded font keeps each file small.
        line = page.beginText(60, y)
        line.setFont("DejaVu", size)
        line.setTextRenderMode(2 if bold else 0)
        page.setLineWidth(size / 40)
        line.textOut(text)
        page.drawText(line)
        y -= size * 1.6
    page.showPage()
    page.save()
    return out.getvalue()


def cv() -> bytes:
    return _pdf([
        ("Образцов Пётр Иванович", 18, True),
        ("Инженер-сметчик", 12, False),
        ("", 8, False),
        ("Контакты: +7 900 000-00-00 · p.obrazcov@example.org", 10, False),
        ("", 8, False),
        ("Опыт работы", 13, True),
        ("2019–2023  ООО «Примерстрой», инженер-сметчик", 10, False),
        ("    Сметы жилых домов до 9 этажей, проверка актов КС-2 и КС-3.", 10, False),
        ("2015–2019  ООО «Учебный проект», техник", 10, False),
        ("    Обмеры, чертежи в AutoCAD, ведение исполнительной документации.", 10, False),
        ("", 8, False),
        ("Образование", 13, True),
        ("2011–2015  Образцовский строительный техникум, «Строительство зданий»", 10, False),
        ("", 8, False),
        ("Навыки", 13, True),
        ("Гранд-Смета, AutoCAD, Excel; водительские права категории B.", 10, False),
        ("Языки: русский — родной, английский — B1.", 10, False),
    ], "Резюме")


def diploma() -> bytes:
    return _pdf([
        ("РОССИЙСКАЯ ФЕДЕРАЦИЯ", 12, True),
        ("Образцовский строительный техникум", 12, False),
        ("", 10, False),
        ("ДИПЛОМ", 26, True),
        ("о среднем профессиональном образовании", 12, False),
        ("", 10, False),
        ("Серия 00 ОБР  № 0000000", 11, False),
        ("", 8, False),
        ("Настоящий диплом свидетельствует о том, что", 11, False),
        ("Образцов Пётр Иванович", 14, True),
        ("освоил образовательную программу по специальности", 11, False),
        ("08.02.01 «Строительство и эксплуатация зданий и сооружений»", 11, False),
        ("и получил квалификацию «техник».", 11, False),
        ("", 8, False),
        ("Дата выдачи: 30 июня 2015 года", 11, False),
        ("Директор ____________ А. Б. Примерный", 11, False),
    ], "Диплом")


def rental_contract() -> bytes:
    return _pdf([
        ("ДОГОВОР АРЕНДЫ КВАРТИРЫ № 00/24", 15, True),
        ("г. Образцовск                                                  1 февраля 2024 г.", 10,
         False),
        ("", 8, False),
        ("Наймодатель: Примерова Анна Сергеевна (вымышленное лицо).", 10, False),
        ("Наниматель: Образцов Пётр Иванович (вымышленное лицо).", 10, False),
        ("", 6, False),
        ("1. Предмет договора", 12, True),
        ("1.1. Наймодатель передаёт, а Наниматель принимает во временное пользование", 10, False),
        ("однокомнатную квартиру по адресу: ул. Вымышленная, д. 0, кв. 0.", 10, False),
        ("2. Плата и порядок расчётов", 12, True),
        ("2.1. Плата за пользование квартирой — 00 000 рублей в месяц,", 10, False),
        ("вносится до 5-го числа каждого месяца.", 10, False),
        ("3. Срок договора", 12, True),
        ("3.1. Договор заключён на 11 месяцев с правом продления.", 10, False),
        ("", 8, False),
        ("Наймодатель ____________          Наниматель ____________", 10, False),
    ], "Договор аренды")


def criminal_case_excerpt() -> bytes:
    return _pdf([
        ("ВЫПИСКА", 16, True),
        ("из материалов уголовного дела № 00000000000000", 12, False),
        ("", 8, False),
        ("Следственный отдел по Образцовскому гарнизону (вымышленный)", 10, False),
        ("", 6, False),
        ("ПОСТАНОВЛЕНИЕ о возбуждении уголовного дела", 12, True),
        ("г. Образцовск                                                15 марта 2024 г.", 10,
         False),
        ("", 6, False),
        ("Старший следователь майор юстиции Следов С. С., рассмотрев сообщение о", 10, False),
        ("преступлении, УСТАНОВИЛ: рядовой Образцов Пётр Иванович, 01.01.1995 г. р.,", 10, False),
        ("проходящий военную службу по контракту в войсковой части 99999,", 10, False),
        ("в период частичной мобилизации не явился в срок без уважительных причин", 10, False),
        ("на службу, то есть совершил преступление, предусмотренное ч. 5 ст. 337 УК РФ.", 10,
         False),
        ("", 6, False),
        ("Мать подозреваемого: Образцова Мария Петровна, проживает по адресу:", 10, False),
        ("г. Образцовск, ул. Вымышленная, д. 0, кв. 00.", 10, False),
        ("", 6, False),
        ("ПОСТАНОВИЛ: возбудить уголовное дело по признакам преступления,", 10, False),
        ("предусмотренного ч. 5 ст. 337 УК РФ, в отношении Образцова П. И.", 10, False),
        ("", 8, False),
        ("Старший следователь ____________ С. С. Следов", 10, False),
    ], "Выписка из уголовного дела")


def summons() -> bytes:
    return _pdf([
        ("ПОВЕСТКА", 20, True),
        ("о вызове на допрос", 12, False),
        ("", 8, False),
        ("Гражданину Образцову Петру Ивановичу", 11, True),
        ("адрес: г. Образцовск, ул. Вымышленная, д. 0, кв. 00", 10, False),
        ("", 6, False),
        ("На основании ст. 188 УПК РФ Вам надлежит явиться 10 апреля 2024 г. к 10:00", 10, False),
        ("к старшему следователю Следову С. С. по адресу: г. Образцовск,", 10, False),
        ("ул. Примерная, д. 0, каб. 00, для допроса в качестве подозреваемого", 10, False),
        ("по уголовному делу № 00000000000000.", 10, False),
        ("", 6, False),
        ("При себе иметь паспорт и военный билет.", 10, False),
        ("В случае неявки без уважительных причин Вы можете быть подвергнуты", 10, False),
        ("приводу (ст. 113 УПК РФ).", 10, False),
        ("", 8, False),
        ("Повестку выдал ____________ 2 апреля 2024 г.", 10, False),
    ], "Повестка")


def military_id_photo() -> bytes:
    """A phone photo of a military ID page: a tilted, unevenly lit page on a table."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = random.Random(20240402)  # noqa: S311 - picture noise, not security
    width, height = 720, 960
    photo = Image.new("RGB", (width, height), (96, 78, 60))
    table = ImageDraw.Draw(photo)
    for _ in range(400):
        x, y = rng.randrange(width), rng.randrange(height)
        shade = rng.randrange(70, 110)
        table.line([(x, y), (x + rng.randrange(40, 160), y + rng.randrange(-3, 4))],
                   fill=(shade, int(shade * 0.8), int(shade * 0.6)), width=1)
    page = Image.new("RGB", (520, 740), (226, 214, 186))
    draw = ImageDraw.Draw(page)
    regular = ImageFont.truetype(str(FONT), 17)
    bold = ImageFont.truetype(str(FONT_BOLD), 20)
    small = ImageFont.truetype(str(FONT), 12)
    draw.text((24, 14), "ВЫМЫШЛЕННЫЙ ОБРАЗЕЦ · FICTIONAL SAMPLE", font=small, fill=(120, 90, 90))
    draw.text((150, 50), "ВОЕННЫЙ БИЛЕТ", font=bold, fill=(40, 40, 40))
    draw.text((190, 80), "АА № 0000000", font=regular, fill=(150, 30, 30))
    draw.rectangle([30, 120, 170, 300], outline=(90, 90, 90), width=2, fill=(200, 196, 184))
    draw.text((62, 200), "ФОТО", font=regular, fill=(120, 120, 120))
    fields = [
        ("Фамилия", "Образцов"), ("Имя", "Пётр"), ("Отчество", "Иванович"),
        ("Дата рождения", "01.01.1995"), ("Место рождения", "г. Образцовск"),
        ("Личный номер", "А-000000"), ("Воинское звание", "рядовой"),
        ("В/ч", "99999"),
    ]
    y = 130
    for label, value in fields:
        draw.text((190, y), label + ":", font=small, fill=(90, 80, 70))
        draw.text((190, y + 14), value, font=regular, fill=(20, 20, 60))
        y += 44
    for line in range(6):
        yy = 520 + line * 32
        draw.line([(30, yy), (490, yy)], fill=(170, 160, 140), width=1)
    draw.text((30, 490), "Подпись владельца ______________", font=small, fill=(60, 60, 60))
    page = page.rotate(-4.5, expand=True, resample=Image.Resampling.BICUBIC,
                       fillcolor=(96, 78, 60))
    shadow = Image.new("L", page.size, 0)
    ImageDraw.Draw(shadow).rectangle([10, 10, page.size[0] - 10, page.size[1] - 10], fill=140)
    photo.paste((40, 32, 24), (118, 130), shadow.filter(ImageFilter.GaussianBlur(12)))
    mask = Image.new("L", page.size, 0)
    ImageDraw.Draw(mask).polygon(_rotated_rectangle(page.size, (520, 740), -4.5), fill=255)
    photo.paste(page, (100, 110), mask)
    # Uneven light from the top left, as under a desk lamp.
    light = Image.linear_gradient("L").rotate(45, expand=False).resize((width, height))
    photo = Image.composite(photo, Image.new("RGB", (width, height), (30, 26, 22)),
                            light.point(lambda v: 180 + v * 75 // 255))
    noise = Image.effect_noise((width, height), 14).convert("RGB")
    photo = Image.blend(photo, noise, 0.06).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=72, optimize=True)
    return out.getvalue()


def _rotated_rectangle(outer: tuple[int, int], inner: tuple[int, int],
                       degrees: float) -> list[tuple[float, float]]:
    import math

    cx, cy = outer[0] / 2, outer[1] / 2
    w, h = inner[0] / 2, inner[1] / 2
    angle = math.radians(-degrees)
    points = []
    for dx, dy in ((-w, -h), (w, -h), (w, h), (-w, h)):
        points.append((cx + dx * math.cos(angle) - dy * math.sin(angle),
                       cy + dx * math.sin(angle) + dy * math.cos(angle)))
    return points


def embassy_email() -> bytes:
    text = """\
From: Visa and Asylum Section <asylum-section@embassy.example>
To: Petr Obraztsov <p.obraztsov@example.org>
Subject: =?utf-8?q?Your_application_/_=D0=92=D0=B0=D1=88=D0=B5_=D0=B7=D0=B0=D1=8F=D0=B2?=
 =?utf-8?q?=D0=BB=D0=B5=D0=BD=D0=B8=D0=B5?= EX-0000-000
Date: Mon, 20 May 2024 10:14:00 +0500
Message-ID: <sample-0000@embassy.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

FICTIONAL SAMPLE FOR THE PAPKA DEMO. The embassy, the people and the numbers are invented.
ВЫМЫШЛЕННЫЙ ОБРАЗЕЦ ДЛЯ ДЕМОНСТРАЦИИ PAPKA.

Dear Mr Obraztsov,

We have received your application EX-0000-000. To complete your file, please bring
to your appointment on 12 June 2024 at 09:30:

  1. the decision to open a criminal case against you, with a translation;
  2. the summons you received, with a translation;
  3. proof of your military service (military ID or service record);
  4. your internal passport.

Copies in which the names and addresses of your relatives are blacked out are
acceptable. Please do not send originals by post.

Уважаемый г-н Образцов, мы получили Ваше заявление EX-0000-000. Пожалуйста, принесите
на приём 12 июня 2024 г. в 09:30 перечисленные выше документы с переводом.

Visa and Asylum Section
Embassy of Exampleland (fictional)
"""
    return text.encode("utf-8")


MAKERS = {
    "cv.pdf": cv,
    "diploma.pdf": diploma,
    "rental-contract.pdf": rental_contract,
    "criminal-case-excerpt.pdf": criminal_case_excerpt,
    "summons.pdf": summons,
    "military-id-photo.jpg": military_id_photo,
    "embassy-email.eml": embassy_email,
}


def main() -> None:
    total = 0
    for name, make in MAKERS.items():
        data = make()
        (HERE / name).write_bytes(data)
        total += len(data)
        print(f"{name}: {len(data)} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
