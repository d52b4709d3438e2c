"""The demo centre's texts in English, Turkish, Arabic and Ukrainian (issue 7 §3): its main
rooms and its offers as staff would translate them, so the pages show translated content and,
for everything not translated, the German original marked ``lang="de"``.

Kept apart from ``booking/demo.py`` because it is long and only text. The Turkish, Arabic and
Ukrainian texts await review by fluent speakers like the catalogues (README, "Languages").
"""

from __future__ import annotations

from typing import Any, Final

_HOUSE: Final = {
    "en": "No smoking anywhere in the building; alcohol only at rentals by arrangement. From "
          "22:00 keep the noise down and windows and doors closed when there is music. The "
          "responsible person is of age and present throughout. Escape routes and emergency "
          "exits stay clear. Do not pass on keys or access codes.",
    "tr": "Binanın her yerinde sigara içmek yasaktır; alkol yalnızca kiralamalarda ve "
          "önceden anlaşarak. Saat 22:00'den sonra sesi kısın, müzik varken pencere ve "
          "kapıları kapalı tutun. Sorumlu kişi reşittir ve kullanım boyunca oradadır. Kaçış "
          "yolları ve acil çıkışlar boş kalır. Anahtarı veya giriş kodunu başkasına vermeyin.",
    "ar": "يُمنع التدخين في كامل المبنى؛ والكحول فقط في حالات الاستئجار وبعد الاتفاق. بعد "
          "الساعة 22:00 يجب خفض الصوت وإغلاق النوافذ والأبواب عند تشغيل الموسيقى. يكون الشخص "
          "المسؤول بالغًا وحاضرًا طوال مدة الاستخدام. تبقى طرق الهروب ومخارج الطوارئ خالية. لا "
          "تُعطِ المفتاح أو رمز الدخول لأحد.",
    "uk": "У всьому будинку діє заборона куріння; алкоголь лише під час оренди за "
          "домовленістю. Після 22:00 тиша, під час музики вікна й двері зачинені. "
          "Відповідальна особа повнолітня і присутня весь час. Шляхи евакуації та аварійні "
          "виходи вільні. Ключ або код доступу нікому не передавати.",
}
_CLEANING: Final = {
    "en": "Leave the room swept, set tables and chairs as you found them, separate and take "
          "away rubbish, close the windows, lights off. Put used dishes back washed.",
    "tr": "Odayı süpürülmüş bırakın, masa ve sandalyeleri bulduğunuz gibi yerleştirin, çöpü "
          "ayırıp götürün, pencereleri kapatın, ışıkları söndürün. Kullanılan bulaşıkları "
          "yıkayıp dolaplara koyun.",
    "ar": "اترك الغرفة نظيفة ومكنوسة، وأعد الطاولات والكراسي كما وجدتها، وافرز النفايات "
          "وخذها معك، وأغلق النوافذ وأطفئ الأنوار. أعد الأطباق المستعملة إلى الخزائن مغسولة.",
    "uk": "Залиште кімнату підметеною, поставте столи й стільці як було, сортуйте й "
          "заберіть сміття, зачиніть вікна, вимкніть світло. Використаний посуд помийте і "
          "поставте в шафи.",
}


def _with(base: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    return {lang: f"{base[lang]} {extra[lang]}" for lang in base}


ROOMS: Final[dict[str, dict[str, dict[str, str]]]] = {
    "saal": {
        "en": {"description": "Large multi-purpose hall with stage, projector, screen and "
                              "sound system; 120 seats in rows, 80 at tables. Can be divided "
                              "by a mobile partition.",
               "accessibility_notes": "Step-free from the foyer, stage reachable by ramp, "
                                      "hearing loop, accessible toilet opposite."},
        "tr": {"description": "Sahne, projeksiyon, perde ve ses sistemi olan büyük çok amaçlı "
                              "salon; sıra düzeninde 120, masalarda 80 kişilik. Hareketli bir "
                              "bölme ile ikiye ayrılabilir.",
               "accessibility_notes": "Fuayeden basamaksız giriş, sahneye rampa ile "
                                      "ulaşılır, işitme döngüsü, karşısında engelli tuvaleti."},
        "ar": {"description": "قاعة كبيرة متعددة الأغراض مع مسرح وجهاز عرض وشاشة ونظام صوت؛ 120 "
                              "مقعدًا في صفوف أو 80 على طاولات. يمكن تقسيمها بجدار متحرك.",
               "accessibility_notes": "دخول بلا درج من البهو، والمسرح عبر منحدر، وحلقة سمعية، "
                                      "ومرحاض مهيأ لذوي الإعاقة في المقابل."},
        "uk": {"description": "Велика багатофункціональна зала зі сценою, проєктором, екраном "
                              "і звуковою системою; 120 місць рядами, 80 за столами. Ділиться "
                              "мобільною перегородкою.",
               "accessibility_notes": "Вхід без сходинок із фойє, на сцену веде пандус, "
                                      "індукційна петля, безбар'єрний туалет навпроти."},
    },
    "cafe": {
        "en": {"description": "Café with counter and fully equipped kitchen (cooker, oven, "
                              "dishwasher, dishes for 50), access to the terrace and garden.",
               "accessibility_notes": "Step-free from the entrance, counter with knee space, "
                                      "accessible toilet next door."},
        "tr": {"description": "Tezgâhlı kafe ve tam donanımlı mutfak (ocak, fırın, bulaşık "
                              "makinesi, 50 kişilik tabak çanak), terasa ve bahçeye çıkış.",
               "accessibility_notes": "Girişten basamaksız, tekerlekli sandalyeyle "
                                      "kullanılabilen tezgâh, yanında engelli tuvaleti."},
        "ar": {"description": "مقهى مع كاونتر ومطبخ مجهز بالكامل (موقد، فرن، غسالة صحون، أطباق "
                              "لخمسين شخصًا)، مع مخرج إلى الشرفة والحديقة.",
               "accessibility_notes": "دخول بلا درج من المدخل، وكاونتر يمكن الوصول إليه "
                                      "بالكرسي المتحرك، ومرحاض مهيأ بجانبه."},
        "uk": {"description": "Кафе зі стійкою та повністю обладнаною кухнею (плита, духовка, "
                              "посудомийна машина, посуд на 50 осіб), вихід на терасу й у сад.",
               "accessibility_notes": "Від входу без сходинок, стійка доступна для візка, "
                                      "безбар'єрний туалет поруч."},
    },
    "gruppe1": {
        "en": {"description": "Bright group room on the ground floor with projector, flip "
                              "chart and tea kitchen; 20 seats.",
               "accessibility_notes": "Ground floor, step-free, accessible toilet in the "
                                      "corridor."},
        "tr": {"description": "Zemin katta projeksiyon, flipchart ve çay mutfağı olan aydınlık "
                              "grup odası; 20 kişilik.",
               "accessibility_notes": "Zemin kat, basamaksız, koridorda engelli tuvaleti."},
        "ar": {"description": "غرفة مجموعات مضيئة في الطابق الأرضي مع جهاز عرض ولوح ورقي ومطبخ "
                              "صغير للشاي؛ 20 مقعدًا.",
               "accessibility_notes": "الطابق الأرضي، بلا درج، ومرحاض مهيأ في الممر."},
        "uk": {"description": "Світла групова кімната на першому поверсі з проєктором, "
                              "фліпчартом і чайною кухнею; 20 місць.",
               "accessibility_notes": "Перший поверх, без сходинок, безбар'єрний туалет у "
                                      "коридорі."},
    },
    "gruppe2": {
        "en": {"description": "Cosy group room on the ground floor with a circle of seats, "
                              "play carpet and toy box.",
               "accessibility_notes": "Ground floor, step-free, accessible toilet in the "
                                      "corridor."},
        "tr": {"description": "Zemin katta oturma çemberi, oyun halısı ve oyuncak sandığı olan "
                              "sıcak bir grup odası.",
               "accessibility_notes": "Zemin kat, basamaksız, koridorda engelli tuvaleti."},
        "ar": {"description": "غرفة مجموعات مريحة في الطابق الأرضي مع حلقة جلوس وسجادة لعب "
                              "وصندوق ألعاب.",
               "accessibility_notes": "الطابق الأرضي، بلا درج، ومرحاض مهيأ في الممر."},
        "uk": {"description": "Затишна групова кімната на першому поверсі з колом для "
                              "сидіння, ігровим килимом і скринькою іграшок.",
               "accessibility_notes": "Перший поверх, без сходинок, безбар'єрний туалет у "
                                      "коридорі."},
    },
}
_SAAL_EXTRA = {"en": "Stage equipment only after instruction by the team.",
               "tr": "Sahne tekniği yalnızca ekibin tanıtımından sonra kullanılır.",
               "ar": "تُستخدم تقنيات المسرح فقط بعد شرح من الفريق.",
               "uk": "Сценічна техніка лише після інструктажу команди."}
_CAFE_EXTRA = {"en": "Kitchen: empty the dishwasher, wipe cooker and worktops, empty the "
                     "fridge.",
               "tr": "Mutfak: bulaşık makinesini boşaltın, ocağı ve tezgâhları silin, "
                     "buzdolabını boşaltın.",
               "ar": "المطبخ: أفرغ غسالة الصحون، وامسح الموقد وأسطح العمل، وأفرغ الثلاجة.",
               "uk": "Кухня: розвантажте посудомийну машину, протріть плиту й стільниці, "
                     "звільніть холодильник."}
for _key, _texts in ROOMS.items():
    _house = _with(_HOUSE, _SAAL_EXTRA) if _key == "saal" else _HOUSE
    _cleaning = _with(_CLEANING, _CAFE_EXTRA) if _key == "cafe" else _CLEANING
    for _lang, _fields in _texts.items():
        _fields["house_rules"] = _house[_lang]
        _fields["cleaning_rules"] = _cleaning[_lang]


def _offer(title: str, description: str, *groups: str) -> dict[str, Any]:
    return {"title": title, "description": description, "target_groups": list(groups)}


# Target groups one for one with the German ones of booking/demo.py (same order).
OFFERS: Final[dict[str, dict[str, dict[str, Any]]]] = {
    "offenes-cafe": {
        "en": _offer("Open café", "Drop in, have a coffee, meet the neighbours – no "
                     "registration.", "everyone"),
        "tr": _offer("Açık kafe", "Gelin, kahve için, komşularla tanışın – kayıt "
                     "gerekmez.", "herkes"),
        "ar": _offer("المقهى المفتوح", "تعال، اشرب القهوة، وتعرّف على الجيران – دون تسجيل.",
                     "الجميع"),
        "uk": _offer("Відкрите кафе", "Заходьте, пийте каву, знайомтеся з сусідами – без "
                     "реєстрації.", "усі"),
    },
    "sprechstunde": {
        "en": _offer("Citizens' consultation hour", "A contact person for every question: "
                     "applications, letters from authorities, referral to specialist services. "
                     "Confidential and free.", "everyone"),
        "tr": _offer("Vatandaş danışma saati", "Her soru için bir muhatap: başvurular, resmî "
                     "mektuplar, uzman kurumlara yönlendirme. Gizli ve ücretsiz.", "herkes"),
        "ar": _offer("ساعة استشارة المواطنين", "شخص مسؤول لكل الأسئلة: الطلبات، رسائل الدوائر "
                     "الرسمية، والتوجيه إلى الجهات المختصة. سرية ومجانية.", "الجميع"),
        "uk": _offer("Громадська консультація", "Контактна особа для будь-яких питань: "
                     "заяви, листи від установ, направлення до фахових служб. Конфіденційно й "
                     "безкоштовно.", "усі"),
    },
    "sprachcafe": {
        "en": _offer("German language café", "Practise speaking German in a relaxed group; "
                     "all levels welcome.", "immigrants", "refugees", "everyone"),
        "tr": _offer("Almanca dil kafesi", "Rahat bir ortamda Almanca konuşma pratiği; her "
                     "seviye davetlidir.", "göçmenler", "mülteciler", "herkes"),
        "ar": _offer("مقهى اللغة الألمانية", "تدرّب على التحدث بالألمانية في جو مريح؛ جميع "
                     "المستويات مرحب بها.", "المهاجرون", "اللاجئون", "الجميع"),
        "uk": _offer("Мовне кафе німецької", "Практика німецької в невимушеній атмосфері; "
                     "запрошуємо всі рівні.", "мігранти", "біженці", "усі"),
    },
    "kindertreff": {
        "en": _offer("Open children's club", "Play, crafts and games for children aged 6 to "
                     "12.", "children 6–12"),
        "tr": _offer("Açık çocuk buluşması", "6–12 yaş arası çocuklar için oyun, el işi ve "
                     "hareket.", "6–12 yaş çocuklar"),
        "ar": _offer("ملتقى الأطفال المفتوح", "لعب وأشغال يدوية وحركة للأطفال من 6 إلى 12 "
                     "سنة.", "أطفال 6–12 سنة"),
        "uk": _offer("Відкритий дитячий клуб", "Ігри, творчість і рух для дітей від 6 до 12 "
                     "років.", "діти 6–12 років"),
    },
    "elterncafe": {
        "en": _offer("Parents' café", "Exchange for parents, with childcare; together with the "
                     "Regenbogen day-care centre.", "parents", "families"),
        "tr": _offer("Veli kafesi", "Çocuk bakımı eşliğinde ebeveynler için sohbet; Regenbogen "
                     "kreşi ile birlikte.", "ebeveynler", "aileler"),
        "ar": _offer("مقهى الأهالي", "لقاء لتبادل الخبرات بين الأهالي مع رعاية للأطفال؛ "
                     "بالتعاون مع روضة ريغنبوغن.", "الأهالي", "العائلات"),
        "uk": _offer("Батьківське кафе", "Спілкування для батьків, з доглядом за дітьми; "
                     "разом із дитсадком Regenbogen.", "батьки", "родини"),
    },
    "familiensamstag": {
        "en": _offer("Family Saturday", "Open afternoon for families with games, waffles and "
                     "crafts.", "families", "children"),
        "tr": _offer("Aile cumartesisi", "Aileler için oyunlu, waffle'lı ve el işli açık "
                     "öğleden sonra.", "aileler", "çocuklar"),
        "ar": _offer("سبت العائلة", "بعد ظهر مفتوح للعائلات مع ألعاب ووافل وأشغال يدوية.",
                     "العائلات", "الأطفال"),
        "uk": _offer("Сімейна субота", "Відкритий день для родин з іграми, вафлями та "
                     "творчістю.", "родини", "діти"),
    },
    "migrationsberatung": {
        "en": _offer("Migration counselling", "Advice on residence, language courses, work "
                     "and housing.", "immigrants"),
        "tr": _offer("Göç danışmanlığı", "Oturum, dil kursları, iş ve konut konularında "
                     "danışmanlık.", "göçmenler"),
        "ar": _offer("استشارات الهجرة", "استشارة حول الإقامة ودورات اللغة والعمل والسكن.",
                     "المهاجرون"),
        "uk": _offer("Консультації з міграції", "Поради щодо перебування, мовних курсів, "
                     "роботи та житла.", "мігранти"),
    },
    "repaircafe": {
        "en": _offer("Repair café", "Repair instead of throwing away: appliances, bicycles, "
                     "textiles.", "everyone"),
        "tr": _offer("Tamir kafe", "Atmak yerine tamir et: elektrikli aletler, bisikletler, "
                     "tekstil.", "herkes"),
        "ar": _offer("مقهى التصليح", "أصلِح بدل أن ترمي: أجهزة كهربائية، دراجات، ملابس.",
                     "الجميع"),
        "uk": _offer("Ремонтне кафе", "Ремонтуй замість викидати: електроприлади, велосипеди, "
                     "одяг.", "усі"),
    },
}
