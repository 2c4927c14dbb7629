from django.db import migrations

# Sectors and trades named in the Foundation's published operations.
SECTORS = [
    ("commerce", "التجارة", "Commerce"),
    ("industry", "الصناعة", "Industrie"),
    ("services", "الخدمات", "Services"),
    ("crafts", "الصناعة التقليدية", "Artisanat"),
    ("food", "المطعمة والتغذية", "Restauration"),
    ("agriculture", "الفلاحة وتربية المواشي", "Agriculture et élevage"),
    ("building", "البناء والأشغال", "Bâtiment"),
]
TRADES = [
    ("sewing", "crafts", "الخياطة والتفصيل", "Couture et confection"),
    ("shoemaking", "crafts", "الإسكافة", "Cordonnerie"),
    ("carpentry", "crafts", "النجارة", "Menuiserie"),
    ("hairdressing", "services", "الحلاقة والتجميل", "Coiffure et esthétique"),
    (
        "electronics_repair",
        "services",
        "إصلاح الأجهزة الإلكترونية",
        "Réparation d'appareils électroniques",
    ),
    ("maintenance", "services", "الصيانة", "Maintenance"),
    ("digital_services", "services", "الخدمات الرقمية", "Services numériques"),
    ("children_leisure", "services", "ترفيه الأطفال", "Loisirs pour enfants"),
    ("tutoring", "services", "الدعم المدرسي والجامعي", "Soutien scolaire et universitaire"),
    ("mechanics", "services", "ميكانيك السيارات والدراجات النارية", "Mécanique auto et moto"),
    ("grocery", "commerce", "البقالة", "Épicerie"),
    (
        "cosmetics_clothing",
        "commerce",
        "بيع مواد التجميل والملابس",
        "Vente de cosmétiques et de vêtements",
    ),
    ("stationery", "commerce", "المكتبة والأدوات المكتبية", "Librairie et papeterie"),
    ("welding", "industry", "التلحيم", "Soudure"),
    ("catering", "food", "المطعمة", "Restauration"),
    ("bakery", "food", "المخبزة والحلويات", "Boulangerie et pâtisserie"),
    ("livestock", "agriculture", "تربية المواشي", "Élevage"),
    ("farming", "agriculture", "الفلاحة", "Agriculture"),
    ("electricity", "building", "الكهرباء", "Électricité"),
    ("construction", "building", "البناء", "Construction"),
]


def load(apps, schema_editor):
    sector_model = apps.get_model("projects", "Sector")
    trade_model = apps.get_model("projects", "Trade")
    sectors = {}
    for code, name_ar, name_fr in SECTORS:
        sectors[code], _created = sector_model.objects.update_or_create(
            code=code, defaults={"name_ar": name_ar, "name_fr": name_fr}
        )
    for code, sector, name_ar, name_fr in TRADES:
        trade_model.objects.update_or_create(
            code=code, defaults={"sector": sectors[sector], "name_ar": name_ar, "name_fr": name_fr}
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
