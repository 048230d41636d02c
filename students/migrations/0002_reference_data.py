"""The 54 official ethnic groups (GSO codes) and the household categories of plan 365."""

from django.db import migrations

ETHNICITIES = [
    ("01", "Kinh", "Việt"), ("02", "Tày", "Thổ"), ("03", "Thái", ""), ("04", "Hoa", "Hán"), ("05", "Khơ-me", "Khmer, Khơ me"),
    ("06", "Mường", ""), ("07", "Nùng", ""), ("08", "Mông", "H'Mông, Hmông, HMông, Hmong, Mèo, H Mông"), ("09", "Dao", "Giao"),
    ("10", "Gia-rai", "Gia Rai, Jarai"), ("11", "Ngái", ""), ("12", "Ê-đê", "Ê Đê, Ede"), ("13", "Ba-na", "Ba Na, Bahnar"),
    ("14", "Xơ-đăng", "Xơ Đăng"), ("15", "Sán Chay", "Cao Lan, Sán Chỉ"), ("16", "Cơ-ho", "Cơ Ho, K'Ho"), ("17", "Chăm", "Chàm"),
    ("18", "Sán Dìu", ""), ("19", "Hrê", "H're"), ("20", "Mnông", "M'Nông"), ("21", "Ra-glai", "Raglai, Ra Glai"),
    ("22", "Xtiêng", "Xtiêng, S'tiêng"), ("23", "Bru-Vân Kiều", "Bru Vân Kiều, Vân Kiều"), ("24", "Thổ", ""),
    ("25", "Giáy", "Dáy, Nhắng"), ("26", "Cơ-tu", "Cơ Tu"), ("27", "Gié-Triêng", "Gié Triêng"), ("28", "Mạ", ""),
    ("29", "Khơ-mú", "Khơ Mú, Khmu"), ("30", "Co", ""), ("31", "Tà-ôi", "Tà Ôi"), ("32", "Chơ-ro", "Chơ Ro"),
    ("33", "Kháng", ""), ("34", "Xinh-mun", "Xinh Mun"), ("35", "Hà Nhì", "Hà Nhì Già, U Ní"), ("36", "Chu-ru", "Chu Ru"),
    ("37", "Lào", ""), ("38", "La Chí", ""), ("39", "La Ha", ""), ("40", "Phù Lá", "Xá Phó, Bồ Khô Pạ"),
    ("41", "La Hủ", ""), ("42", "Lự", ""), ("43", "Lô Lô", ""), ("44", "Chứt", ""), ("45", "Mảng", ""),
    ("46", "Pà Thẻn", "Pà Hưng"), ("47", "Cơ Lao", ""), ("48", "Cống", ""), ("49", "Bố Y", "Tu Dí"), ("50", "Si La", ""),
    ("51", "Pu Péo", ""), ("52", "Brâu", ""), ("53", "Ơ Đu", ""), ("54", "Rơ-măm", "Rơ Măm"),
]

CATEGORIES = [
    ("covid", "Bố/mẹ mất do COVID-19", 10, "COVID, Covid-19, Mồ côi do COVID, Bố mẹ mất do Covid, Cha mẹ mất do COVID-19"),
    ("poor", "Hộ nghèo", 20, "HN, Nghèo, Ho ngheo"),
    ("near-poor", "Hộ cận nghèo", 30, "HCN, Cận nghèo, Can ngheo, CN"),
    ("policy", "Gia đình chính sách", 40, "GĐCS, GDCS, Chính sách, Hộ chính sách, Con thương binh, Con liệt sĩ"),
    ("hardship", "Hoàn cảnh khó khăn", 50, "Khó khăn, HCKK, Hộ khó khăn, Hoàn cảnh đặc biệt khó khăn, ĐBKK"),
]


def load(apps, schema_editor):
    Ethnicity = apps.get_model("students", "Ethnicity")
    HouseholdCategory = apps.get_model("students", "HouseholdCategory")
    for code, name, aliases in ETHNICITIES:
        Ethnicity.objects.update_or_create(code=code, defaults={"name": name, "aliases": aliases})
    for code, name, priority, synonyms in CATEGORIES:
        HouseholdCategory.objects.update_or_create(
            code=code, defaults={"name": name, "priority": priority, "synonyms": synonyms}
        )


def unload(apps, schema_editor):
    apps.get_model("students", "Ethnicity").objects.filter(code__in=[e[0] for e in ETHNICITIES]).delete()
    apps.get_model("students", "HouseholdCategory").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("students", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
