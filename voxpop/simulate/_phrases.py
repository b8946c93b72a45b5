"""Phrase banks for the simulator: natural sentences per language, with slots to vary them.

Language detection is scored on these texts, so every sentence is written in its language as
a native speaker would post it, not translated word by word. `{slot}` fields are filled from
the bank's `slots` (already inflected where the grammar needs it: a locative, a genitive), and
every template is expanded into all its fillings once, at import, so the hot path only indexes.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Mapping, Sequence
from typing import NamedTuple

__all__ = [
    "BANKS",
    "CAMPAIGN_TAGS",
    "EMOJI",
    "NARRATIVES",
    "Bank",
    "Narrative",
    "Sentences",
    "expand",
    "pick",
]

EMOJI: tuple[str, ...] = (
    "😂", "🔥", "🙏", "😍", "👍", "💯", "😭", "🤔", "👀", "❤️", "✨", "😡", "🙄", "🎉", "😅", "👏",
)  # fmt: skip


Sentences = tuple[tuple[str, ...], ...]  # per template, its fillings


def expand(templates: Sequence[str], slots: Mapping[str, Sequence[str]]) -> Sentences:
    """Every filling of every template, grouped by template (one without slots is itself)."""
    out: list[tuple[str, ...]] = []
    for template in templates:
        names = list(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(template) if f))
        out.append(
            tuple(
                template.format(**dict(zip(names, combo, strict=True)))
                for combo in itertools.product(*(slots[name] for name in names))
            )
        )
    return tuple(out)


def pick(sentences: Sentences, r: int) -> str:
    """A sentence from a random integer: a template, then one of its fillings."""
    group = sentences[r % len(sentences)]
    return group[(r >> 12) % len(group)]


class Bank(NamedTuple):
    """What one language says outside any narrative."""

    sep: str  # between sentences: a space, or nothing for Chinese and Japanese
    chatter: Sentences
    opener: tuple[str, ...]
    closer: tuple[str, ...]
    reply: tuple[str, ...]
    quote: tuple[str, ...]
    headline: tuple[str, ...]  # share-button headlines; empty where none are written
    tags: tuple[str, ...]
    interject: tuple[str, ...]  # what a campaign account puts in front of a copied message
    first: tuple[tuple[str, str], ...]  # (latin for handles, as displayed)
    last: tuple[tuple[str, str], ...]


class Narrative(NamedTuple):
    id: str
    title: str
    tags: Mapping[str, str]  # per language; "*" for all the others
    surge_tag: str
    texts: Mapping[str, Sentences]


def _bank(
    *,
    sep: str = " ",
    chatter: Sequence[str],
    slots: Mapping[str, Sequence[str]],
    opener: Sequence[str],
    closer: Sequence[str],
    reply: Sequence[str],
    quote: Sequence[str],
    headline: Sequence[str] = (),
    tags: Sequence[str],
    interject: Sequence[str],
    first: Sequence[tuple[str, str]],
    last: Sequence[tuple[str, str]],
) -> Bank:
    return Bank(
        sep,
        expand(chatter, slots),
        tuple(opener),
        tuple(closer),
        tuple(reply),
        tuple(quote),
        tuple(headline),
        tuple(tags),
        tuple(interject),
        tuple(first),
        tuple(last),
    )


def _same(*names: str) -> list[tuple[str, str]]:
    return [(n, n.capitalize()) for n in names]


BANKS: dict[str, Bank] = {
    "en": _bank(
        chatter=[
            "Finally got some sleep after a crazy week at work.",
            "Coffee first, then we'll see about the rest of the {when}.",
            "Does anyone else think {food} tastes better when someone else cooks it?",
            "The traffic on the way to {place} this morning was unreal.",
            "Just finished a long walk around {place} and I feel like a new person.",
            "My phone battery dies faster than my motivation on a Monday.",
            "Can't believe how fast this year is going already.",
            "Trying a new recipe tonight: {food}. Wish me luck.",
            "Nothing beats a quiet evening with a good book and a cup of tea.",
            "Our team played terribly today but I'm still proud of them.",
            "Who else is watching the game tonight?",
            "Reminder to drink some water and take a break from the screen.",
            "The new season of that show is so much better than I expected.",
            "Moving flats is the worst, I never want to see another cardboard box again.",
            "Shoutout to the bus driver who waited for me this morning.",
            "It's raining again and of course I forgot my umbrella.",
        ],
        slots={
            "when": ["morning", "day", "afternoon", "weekend"],
            "food": ["pizza", "pasta", "homemade soup", "banana bread", "fried rice", "curry"],
            "place": ["the park", "downtown", "the harbour", "the old town", "the lake"],
        },
        opener=["Well.", "Ugh.", "Okay.", "Hmm.", "Lol."],
        closer=["Anyway, have a good one!", "Thoughts?", "Just saying.", "That's life."],
        reply=[
            "Totally agree with this.",
            "Is there a source for this?",
            "Haha so true",
            "This made my day 😂",
            "I'm not sure that's right.",
            "Same here, honestly.",
            "Thanks for sharing!",
            "Wait, really?",
            "Couldn't have said it better.",
            "Where did you see this?",
        ],
        quote=[
            "This is exactly what I was talking about.",
            "Worth a read.",
            "Can someone explain this to me?",
            "Wow, look at this.",
            "Not surprised at all.",
            "Yes! Finally someone said it.",
        ],
        headline=[
            "Central bank holds interest rates steady as inflation cools",
            "Scientists map a deep-sea coral reef larger than a city",
            "City council approves new plan for protected cycle lanes",
            "Record number of students apply to study engineering this year",
            "New study links a daily walk to better sleep in older adults",
        ],
        tags=["news", "MondayMotivation", "weekend", "football", "music", "tech", "travel"],
        interject=["BREAKING:", "Look at this:", "Everyone needs to see this.", "Wake up!"],
        first=[
            *_same("james", "emma", "olivia", "liam", "noah", "ava", "sophie", "mason", "ethan"),
            ("grace", "Grace"),
            ("daniel", "Daniel"),
            ("chloe", "Chloe"),
        ],
        last=[
            *_same("smith", "johnson", "brown", "taylor", "miller", "wilson", "clark", "walker"),
            ("hall", "Hall"),
            ("young", "Young"),
            ("king", "King"),
        ],
    ),
    "es": _bank(
        chatter=[
            "Por fin llegó el fin de semana, necesitaba descansar.",
            "No hay nada mejor que un café bien cargado por la {when}.",
            "¿Alguien más piensa que {food} sabe mejor cuando lo cocina la abuela?",
            "El tráfico hoy en {place} estuvo imposible.",
            "Acabo de dar un paseo largo por {place} y me siento otra persona.",
            "Hoy toca limpiar la casa, qué pereza.",
            "No puedo creer lo rápido que se está pasando el año.",
            "Esta noche pruebo una receta nueva: {food}. Deséenme suerte.",
            "Mi equipo jugó fatal, pero sigo creyendo en ellos.",
            "¿Quién más va a ver el partido esta noche?",
            "Recordatorio: tomen agua y descansen un poco de la pantalla.",
            "Otra vez lloviendo y yo sin paraguas, como siempre.",
            "La nueva temporada de la serie está mucho mejor de lo que esperaba.",
            "Qué ganas tengo de irme de vacaciones a la playa.",
        ],
        slots={
            "when": ["mañana", "tarde"],
            "food": ["la tortilla de patatas", "el arroz con pollo", "el gazpacho", "el mole"],
            "place": ["el centro", "el parque", "la playa", "el casco antiguo"],
        },
        opener=["Bueno.", "Uf.", "Jajaja.", "Ay."],
        closer=["¿Qué opinan?", "En fin.", "¡Buen día a todos!", "Así es la vida."],
        reply=[
            "Totalmente de acuerdo.",
            "¿Cuál es la fuente?",
            "Jajaja qué bueno",
            "Esto me alegró el día 😂",
            "No creo que sea así.",
            "Me pasa igual.",
            "Gracias por compartir.",
            "¿En serio?",
            "¿Dónde viste eso?",
        ],
        quote=[
            "Esto es justo lo que decía.",
            "Vale la pena leerlo.",
            "¿Alguien me lo explica?",
            "Miren esto.",
            "No me sorprende para nada.",
        ],
        headline=[
            "El banco central mantiene los tipos de interés sin cambios",
            "Científicos descubren un arrecife de coral gigante en aguas profundas",
            "El ayuntamiento aprueba un nuevo plan de carriles bici en el centro",
            "Récord de solicitudes para estudiar ingeniería este año",
        ],
        tags=["noticias", "FelizLunes", "fútbol", "música", "viernes", "viajes"],
        interject=["ÚLTIMA HORA:", "Miren esto:", "¡Todos tienen que ver esto!", "¡Despierten!"],
        first=[
            ("sofia", "Sofía"),
            ("mateo", "Mateo"),
            ("lucia", "Lucía"),
            ("diego", "Diego"),
            ("valentina", "Valentina"),
            ("javier", "Javier"),
            ("camila", "Camila"),
            ("carlos", "Carlos"),
            ("elena", "Elena"),
            ("pablo", "Pablo"),
        ],
        last=[
            ("garcia", "García"),
            ("martinez", "Martínez"),
            ("lopez", "López"),
            ("sanchez", "Sánchez"),
            ("perez", "Pérez"),
            ("gomez", "Gómez"),
            ("ruiz", "Ruiz"),
            ("diaz", "Díaz"),
            ("torres", "Torres"),
            ("romero", "Romero"),
        ],
    ),
    "fr": _bank(
        chatter=[
            "Enfin le week-end, j'en avais vraiment besoin.",
            "Rien de mieux qu'un bon café le {when}.",
            "Quelqu'un d'autre trouve que {food} est meilleur quand c'est mamie qui le fait ?",
            "Les bouchons ce matin pour aller {place}, c'était l'enfer.",
            "Je viens de faire une longue balade {walk} et je me sens beaucoup mieux.",
            "Encore une réunion qui aurait pu être un mail.",
            "Je n'arrive pas à croire que l'année passe aussi vite.",
            "Ce soir je teste une nouvelle recette : {food}. Souhaitez-moi bonne chance.",
            "Notre équipe a très mal joué aujourd'hui, mais je reste fier d'elle.",
            "Qui regarde le match ce soir ?",
            "Petit rappel : buvez de l'eau et faites une pause loin des écrans.",
            "Il pleut encore et j'ai oublié mon parapluie, évidemment.",
            "La nouvelle saison de la série est bien meilleure que prévu.",
            "Le métro était tellement bondé ce matin qu'on ne pouvait plus respirer.",
        ],
        slots={
            "when": ["matin", "dimanche matin"],
            "food": ["le gratin dauphinois", "le bœuf bourguignon", "le couscous", "le pot-au-feu"],
            "place": ["au travail", "au centre-ville", "à la fac"],
            "walk": ["au bord de la mer", "dans le parc", "en forêt", "le long du canal"],
        },
        opener=["Bon.", "Bref.", "Mdr.", "Ouf."],
        closer=["Vous en pensez quoi ?", "Bonne journée à tous !", "C'est la vie.", "Voilà."],
        reply=[
            "Entièrement d'accord.",
            "Tu as une source ?",
            "Mdr trop vrai",
            "Ça m'a fait ma journée 😂",
            "Je ne suis pas sûr que ce soit vrai.",
            "Pareil pour moi.",
            "Merci pour le partage !",
            "Sérieux ?",
            "Tu as vu ça où ?",
        ],
        quote=[
            "C'est exactement ce que je disais.",
            "À lire absolument.",
            "Quelqu'un peut m'expliquer ?",
            "Regardez-moi ça.",
            "Pas surpris du tout.",
        ],
        headline=[
            "La banque centrale maintient ses taux directeurs",
            "Des scientifiques découvrent un immense récif de corail en eaux profondes",
            "La mairie adopte un nouveau plan pour les pistes cyclables",
            "Nombre record de candidatures en école d'ingénieurs cette année",
        ],
        tags=["actu", "lundi", "football", "musique", "vendredi", "voyage"],
        interject=["URGENT :", "Regardez ça :", "Tout le monde doit voir ça.", "Réveillez-vous !"],
        first=[
            ("camille", "Camille"),
            ("lucas", "Lucas"),
            ("lea", "Léa"),
            ("hugo", "Hugo"),
            ("manon", "Manon"),
            ("louis", "Louis"),
            ("chloe", "Chloé"),
            ("jules", "Jules"),
            ("ines", "Inès"),
            ("theo", "Théo"),
        ],
        last=[
            *_same("martin", "bernard", "dubois", "thomas", "robert", "richard", "petit"),
            ("durand", "Durand"),
            ("leroy", "Leroy"),
            ("moreau", "Moreau"),
        ],
    ),
    "de": _bank(
        chatter=[
            "Endlich Wochenende, das habe ich echt gebraucht.",
            "Nichts geht über einen starken Kaffee am {when}.",
            "Findet noch jemand, dass {food} bei Oma einfach am besten schmeckt?",
            "Der Stau heute Morgen auf dem Weg {place} war unglaublich.",
            "Gerade einen langen Spaziergang {walk} gemacht, fühle mich wie neu.",
            "Schon wieder ein Meeting, das auch eine E-Mail hätte sein können.",
            "Kaum zu glauben, wie schnell dieses Jahr vergeht.",
            "Heute Abend probiere ich ein neues Rezept aus: {food}. Drückt mir die Daumen.",
            "Unsere Mannschaft hat heute schlecht gespielt, aber ich bin trotzdem stolz.",
            "Wer schaut heute Abend das Spiel?",
            "Kleine Erinnerung: Trinkt genug Wasser und macht mal Pause vom Bildschirm.",
            "Es regnet schon wieder und ich habe meinen Schirm vergessen, typisch.",
            "Die Bahn hat mal wieder Verspätung, wer hätte das gedacht.",
            "Die neue Staffel der Serie ist viel besser als erwartet.",
        ],
        slots={
            "when": ["Morgen", "Sonntagmorgen"],
            "food": ["Kartoffelsalat", "Apfelstrudel", "Gulasch", "Käsespätzle"],
            "place": ["zur Arbeit", "in die Stadt", "zur Uni"],
            "walk": ["am See", "durch den Park", "im Wald", "an der Elbe"],
        },
        opener=["Naja.", "Puh.", "Haha.", "Also."],
        closer=["Was meint ihr?", "Schönen Tag euch!", "So ist das Leben.", "Egal."],
        reply=[
            "Sehe ich genauso.",
            "Gibt es dafür eine Quelle?",
            "Haha so wahr",
            "Du hast meinen Tag gerettet 😂",
            "Da bin ich mir nicht so sicher.",
            "Geht mir genauso.",
            "Danke fürs Teilen!",
            "Echt jetzt?",
            "Wo hast du das gesehen?",
        ],
        quote=[
            "Genau davon rede ich die ganze Zeit.",
            "Lesenswert.",
            "Kann mir das jemand erklären?",
            "Schaut euch das an.",
            "Überrascht mich überhaupt nicht.",
        ],
        headline=[
            "Zentralbank lässt den Leitzins unverändert",
            "Forscher entdecken riesiges Korallenriff in der Tiefsee",
            "Stadtrat beschließt neuen Plan für Radwege in der Innenstadt",
            "Rekord bei Bewerbungen für Ingenieurstudiengänge",
        ],
        tags=["news", "Montag", "Fußball", "Musik", "Wochenende", "Reisen"],
        interject=["EILMELDUNG:", "Schaut euch das an:", "Das muss jeder sehen!", "Wacht auf!"],
        first=_same("lukas", "anna", "leon", "marie", "felix", "lena", "jonas", "laura", "paul"),
        last=[
            ("mueller", "Müller"),
            ("schmidt", "Schmidt"),
            ("schneider", "Schneider"),
            ("fischer", "Fischer"),
            ("weber", "Weber"),
            ("meyer", "Meyer"),
            ("wagner", "Wagner"),
            ("becker", "Becker"),
            ("koch", "Koch"),
        ],
    ),
    "pt": _bank(
        chatter=[
            "Finalmente chegou o fim de semana, eu estava precisando.",
            "Nada melhor que um café forte de {when}.",
            "Alguém mais acha que {food} fica mais gostoso quando a vó faz?",
            "O trânsito pra chegar {place} hoje estava impossível.",
            "Acabei de fazer uma caminhada longa {walk} e me sinto outra pessoa.",
            "Mais uma reunião que podia ter sido um e-mail.",
            "Não acredito como esse ano está passando rápido.",
            "Hoje à noite vou testar uma receita nova: {food}. Me desejem sorte.",
            "Meu time jogou muito mal hoje, mas continuo acreditando.",
            "Quem vai assistir o jogo hoje à noite?",
            "Lembrete: bebam água e descansem um pouco da tela.",
            "Chovendo de novo e eu sem guarda-chuva, como sempre.",
            "A nova temporada da série está muito melhor do que eu esperava.",
            "Segunda-feira chegou e eu ainda não me recuperei do domingo.",
        ],
        slots={
            "when": ["manhã", "tarde"],
            "food": ["o feijão", "o bolo de cenoura", "o pão de queijo", "o arroz doce"],
            "place": ["no trabalho", "no centro", "na faculdade"],
            "walk": ["na praia", "no parque", "pela orla"],
        },
        opener=["Enfim.", "Gente.", "Kkkkk.", "Ai ai."],
        closer=["O que vocês acham?", "Bom dia pra todos!", "É a vida.", "Só isso."],
        reply=[
            "Concordo totalmente.",
            "Qual é a fonte disso?",
            "Kkkkk verdade",
            "Isso fez meu dia 😂",
            "Acho que não é bem assim.",
            "Comigo também.",
            "Obrigado por compartilhar!",
            "Sério?",
            "Onde você viu isso?",
        ],
        quote=[
            "É exatamente isso que eu estava falando.",
            "Vale a leitura.",
            "Alguém me explica isso?",
            "Olha isso.",
            "Não estou nada surpreso.",
        ],
        headline=[
            "Banco Central mantém a taxa de juros inalterada",
            "Cientistas descobrem recife de coral gigante em águas profundas",
            "Prefeitura aprova novo plano de ciclovias no centro",
            "Número recorde de inscrições para engenharia neste ano",
        ],
        tags=["notícias", "segundou", "futebol", "música", "sextou", "viagem"],
        interject=["URGENTE:", "Olhem isso:", "Todo mundo precisa ver isso!", "Acordem!"],
        first=[
            ("joao", "João"),
            ("maria", "Maria"),
            ("pedro", "Pedro"),
            ("ana", "Ana"),
            ("lucas", "Lucas"),
            ("beatriz", "Beatriz"),
            ("gabriel", "Gabriel"),
            ("juliana", "Juliana"),
            ("rafael", "Rafael"),
        ],
        last=[
            *_same("silva", "santos", "oliveira", "souza", "lima", "pereira", "costa"),
            ("ferreira", "Ferreira"),
            ("almeida", "Almeida"),
            ("ribeiro", "Ribeiro"),
        ],
    ),
    "ar": _bank(
        chatter=[
            "أخيراً جاءت عطلة نهاية الأسبوع، كنت بحاجة إلى الراحة.",
            "لا شيء أجمل من فنجان قهوة في {when}.",
            "هل يوجد أحد غيري يرى أن {food} ألذ عندما تطبخه الأم؟",
            "الزحمة اليوم في الطريق إلى {place} كانت لا تُحتمل.",
            "خرجت للمشي طويلاً على {walk} وأشعر الآن بتحسن كبير.",
            "لا أصدق كيف تمر هذه السنة بسرعة.",
            "الليلة سأجرب وصفة جديدة: {food}. تمنوا لي التوفيق.",
            "فريقنا لعب بشكل سيئ اليوم لكنني ما زلت فخوراً به.",
            "من سيشاهد المباراة الليلة؟",
            "تذكير: اشربوا الماء وخذوا استراحة من الشاشة.",
            "الجو حار جداً اليوم، الله يعين من يعمل في الشارع.",
            "صباح الخير للجميع، أتمنى لكم يوماً سعيداً.",
            "الموسم الجديد من المسلسل أجمل بكثير مما توقعت.",
            "اجتماع آخر كان يمكن أن يكون مجرد رسالة.",
        ],
        slots={
            "when": ["الصباح الباكر", "المساء"],
            "food": ["الكبسة", "المنسف", "الملوخية", "الكشري"],
            "place": ["العمل", "وسط المدينة", "الجامعة"],
            "walk": ["الكورنيش", "شاطئ البحر"],
        },
        opener=["والله.", "يا جماعة.", "هههه.", "سبحان الله."],
        closer=["ما رأيكم؟", "يومكم سعيد!", "هذه هي الحياة.", "الحمد لله على كل حال."],
        reply=[
            "أتفق معك تماماً.",
            "ما هو المصدر؟",
            "هههه صحيح",
            "أضحكتني 😂",
            "لا أعتقد أن هذا صحيح.",
            "وأنا كذلك.",
            "شكراً على المشاركة!",
            "بجد؟",
            "أين رأيت هذا؟",
        ],
        quote=[
            "هذا بالضبط ما كنت أقوله.",
            "يستحق القراءة.",
            "هل يمكن لأحد أن يشرح لي هذا؟",
            "انظروا إلى هذا.",
            "لست متفاجئاً أبداً.",
        ],
        headline=[
            "البنك المركزي يبقي أسعار الفائدة دون تغيير",
            "علماء يكتشفون شعاباً مرجانية ضخمة في أعماق البحر",
            "المجلس البلدي يقر خطة جديدة لمسارات الدراجات",
            "عدد قياسي من الطلاب يتقدمون لدراسة الهندسة هذا العام",
        ],
        tags=["أخبار", "صباح_الخير", "كرة_القدم", "الجمعة", "رمضان"],
        interject=["عاجل:", "انظروا إلى هذا:", "يجب أن يرى الجميع هذا!", "انشروا!"],
        first=[
            ("ahmed", "أحمد"),
            ("mohammed", "محمد"),
            ("fatima", "فاطمة"),
            ("omar", "عمر"),
            ("layla", "ليلى"),
            ("youssef", "يوسف"),
            ("nour", "نور"),
            ("khaled", "خالد"),
            ("sara", "سارة"),
        ],
        last=[
            ("alharbi", "الحربي"),
            ("alqahtani", "القحطاني"),
            ("hassan", "حسن"),
            ("mahmoud", "محمود"),
            ("ibrahim", "إبراهيم"),
            ("saleh", "صالح"),
            ("alotaibi", "العتيبي"),
            ("mansour", "منصور"),
        ],
    ),
    "zh": _bank(
        sep="",
        chatter=[
            "终于到周末了，这周真的太累了。",
            "早上不喝一杯咖啡就完全醒不过来。",
            "有没有人觉得{food}还是妈妈做的最好吃？",
            "今天去{place}的路上堵车堵得太厉害了。",
            "刚在{walk}散了很久的步，心情好多了。",
            "不敢相信今年过得这么快。",
            "今晚准备试试新菜谱：{food}，祝我好运吧。",
            "我们队今天踢得很差，但我还是支持他们。",
            "今晚有谁一起看比赛吗？",
            "提醒大家多喝水，别一直盯着屏幕。",
            "又下雨了，我又忘了带伞。",
            "这部剧的新一季比我想象的好看多了。",
            "下班回家的地铁挤得连手机都拿不出来。",
            "周末想去爬山，有人一起吗？",
        ],
        slots={
            "food": ["红烧肉", "饺子", "番茄炒蛋", "麻婆豆腐"],
            "place": ["公司", "市中心", "学校"],
            "walk": ["公园", "江边", "小区附近"],
        },
        opener=["哈哈哈。", "唉。", "说真的，", "话说，"],
        closer=["大家觉得呢？", "祝大家今天愉快！", "生活就是这样。", "就这样吧。"],
        reply=[
            "完全同意。",
            "有出处吗？",
            "哈哈哈太真实了",
            "笑死我了😂",
            "我觉得不是这样的。",
            "我也是。",
            "谢谢分享！",
            "真的假的？",
            "你在哪儿看到的？",
        ],
        quote=["这正是我一直在说的。", "值得一读。", "谁能给我解释一下？", "大家看看这个。"],
        headline=[
            "央行宣布维持利率不变",
            "科学家在深海发现巨型珊瑚礁",
            "市政府通过新的自行车道建设方案",
            "今年报考工程专业的学生人数创新高",
        ],
        tags=["新闻", "周末", "足球", "音乐", "美食", "旅行"],
        interject=["突发：", "大家看看：", "所有人都应该看看这个！", "转发！"],
        first=[
            ("wei", "伟"),
            ("fang", "芳"),
            ("jing", "静"),
            ("lei", "磊"),
            ("yan", "燕"),
            ("hao", "浩"),
            ("min", "敏"),
            ("jie", "杰"),
        ],
        last=[
            ("wang", "王"),
            ("li", "李"),
            ("zhang", "张"),
            ("liu", "刘"),
            ("chen", "陈"),
            ("yang", "杨"),
            ("zhao", "赵"),
            ("huang", "黄"),
        ],
    ),
    "ja": _bank(
        sep="",
        chatter=[
            "やっと週末だ、今週は本当に疲れた。",
            "朝はコーヒーを飲まないと全然頭が働かない。",
            "{food}ってやっぱりお母さんが作ったのが一番おいしいよね。",
            "今朝{place}に行く途中の渋滞がひどすぎた。",
            "{walk}を長く散歩してきたら、気分がすっきりした。",
            "今年も時間が経つのが早すぎて信じられない。",
            "今夜は新しいレシピに挑戦します：{food}。うまくいきますように。",
            "今日の試合は負けちゃったけど、それでも応援してる。",
            "今夜の試合、誰か一緒に見る人いる？",
            "みなさん、水分をとって画面から少し離れて休憩してくださいね。",
            "また雨が降ってきたのに傘を忘れた。",
            "新しいシーズン、思っていたよりずっと面白い。",
            "満員電車で本も読めなかった。",
            "週末は温泉に行きたいなあ。",
        ],
        slots={
            "food": ["カレー", "肉じゃが", "お味噌汁", "唐揚げ"],
            "place": ["会社", "駅前", "大学"],
            "walk": ["公園", "川沿い", "海辺"],
        },
        opener=["うーん。", "正直、", "ところで、"],
        closer=["みんなはどう思う？", "今日も一日頑張りましょう！", "まあ、そんなもんだよね。"],
        reply=[
            "完全に同意です。",
            "ソースはありますか？",
            "それな笑",
            "笑った😂",
            "それは違うと思う。",
            "私もです。",
            "共有ありがとうございます！",
            "まじで？",
            "どこで見たの？",
        ],
        quote=[
            "まさにこれが言いたかった。",
            "読む価値あり。",
            "誰か説明してくれない？",
            "これ見て。",
        ],
        headline=[
            "日銀、金利据え置きを決定",
            "深海で巨大なサンゴ礁を発見、研究チームが発表",
            "市議会、中心部の自転車レーン整備計画を承認",
            "工学部の志願者数が過去最多に",
        ],
        tags=["ニュース", "週末", "サッカー", "音楽", "グルメ", "旅行"],
        interject=["速報：", "これを見て：", "みんなに見てほしい！", "拡散希望！"],
        first=[
            ("haruto", "陽翔"),
            ("yui", "結衣"),
            ("sota", "蒼太"),
            ("aoi", "葵"),
            ("ren", "蓮"),
            ("hina", "陽菜"),
            ("yuto", "悠斗"),
            ("mio", "美桜"),
        ],
        last=[
            ("sato", "佐藤"),
            ("suzuki", "鈴木"),
            ("takahashi", "高橋"),
            ("tanaka", "田中"),
            ("watanabe", "渡辺"),
            ("ito", "伊藤"),
            ("yamamoto", "山本"),
            ("nakamura", "中村"),
        ],
    ),
    "ru": _bank(
        chatter=[
            "Наконец-то выходные, как же я устал за неделю.",
            "Утром без кофе я вообще не человек.",
            "Кто ещё считает, что {food} вкуснее всего у бабушки?",
            "Пробки по дороге {place} сегодня просто ужасные.",
            "Только что долго гулял {walk}, чувствую себя заново родившимся.",
            "Ещё одно совещание, которое могло быть письмом.",
            "Не верится, как быстро летит этот год.",
            "Сегодня вечером пробую новый рецепт: {food}. Пожелайте удачи.",
            "Наша команда сегодня сыграла ужасно, но я всё равно за них.",
            "Кто сегодня смотрит матч?",
            "Напоминаю: пейте воду и отдыхайте от экрана.",
            "Опять дождь, а я опять без зонта.",
            "Новый сезон сериала оказался гораздо лучше, чем я ожидал.",
            "В метро сегодня было столько людей, что невозможно было дышать.",
        ],
        slots={
            "food": ["борщ", "пирог с капустой", "плов", "оливье"],
            "place": ["на работу", "в центр", "в университет"],
            "walk": ["в парке", "по набережной", "в лесу"],
        },
        opener=["Ну что ж.", "Эх.", "Ахаха.", "Короче."],
        closer=["Что думаете?", "Всем хорошего дня!", "Такова жизнь.", "Вот так."],
        reply=[
            "Полностью согласен.",
            "А где источник?",
            "Ахаха, точно",
            "Вы сделали мой день 😂",
            "Не думаю, что это так.",
            "У меня так же.",
            "Спасибо, что поделились!",
            "Серьёзно?",
            "Где вы это увидели?",
        ],
        quote=[
            "Именно об этом я и говорил.",
            "Стоит почитать.",
            "Кто-нибудь может объяснить?",
            "Посмотрите на это.",
            "Совсем не удивлён.",
        ],
        headline=[
            "Центробанк сохранил ключевую ставку без изменений",
            "Учёные обнаружили гигантский коралловый риф на большой глубине",
            "Городская дума одобрила новый план велодорожек",
            "Рекордное число абитуриентов подали документы на инженерные специальности",
        ],
        tags=["новости", "понедельник", "футбол", "музыка", "выходные"],
        interject=["СРОЧНО:", "Смотрите:", "Это должен увидеть каждый!", "Проснитесь!"],
        first=[
            ("ivan", "Иван"),
            ("dmitry", "Дмитрий"),
            ("sergey", "Сергей"),
            ("alexey", "Алексей"),
            ("pavel", "Павел"),
            ("nikolai", "Николай"),
        ],
        last=[
            ("ivanov", "Иванов"),
            ("smirnov", "Смирнов"),
            ("kuznetsov", "Кузнецов"),
            ("popov", "Попов"),
            ("sokolov", "Соколов"),
            ("volkov", "Волков"),
            ("morozov", "Морозов"),
        ],
    ),
    "tr": _bank(
        chatter=[
            "Sonunda hafta sonu geldi, gerçekten dinlenmeye ihtiyacım vardı.",
            "Sabahları bir kahve içmeden kendime gelemiyorum.",
            "Sizce de {food} en güzel annelerin elinden olmuyor mu?",
            "Bu sabah {place} giderken trafik berbattı.",
            "{walk} uzun bir yürüyüş yaptım, kendimi yeniden doğmuş gibi hissediyorum.",
            "Yine e-posta olabilecek bir toplantı daha.",
            "Bu yılın bu kadar hızlı geçtiğine inanamıyorum.",
            "Bu akşam yeni bir tarif deneyeceğim: {food}. Bana şans dileyin.",
            "Takımımız bugün çok kötü oynadı ama yine de arkasındayım.",
            "Bu akşam maçı kim izleyecek?",
            "Hatırlatma: su için ve ekrana biraz ara verin.",
            "Yine yağmur yağıyor ve ben yine şemsiyemi unuttum.",
            "Dizinin yeni sezonu beklediğimden çok daha iyi.",
            "Metrobüs bu sabah tıklım tıklımdı, nefes alamadık.",
        ],
        slots={
            "food": ["mercimek çorbası", "karnıyarık", "mantı", "sarma"],
            "place": ["işe", "şehir merkezine", "okula"],
            "walk": ["Sahilde", "Parkta", "Boğaz kıyısında"],
        },
        opener=["Neyse.", "Of ya.", "Hahaha.", "Yani."],
        closer=["Siz ne düşünüyorsunuz?", "Herkese iyi günler!", "Hayat bu.", "İşte böyle."],
        reply=[
            "Kesinlikle katılıyorum.",
            "Kaynağı ne?",
            "Hahaha çok doğru",
            "Günümü güzelleştirdin 😂",
            "Bence öyle değil.",
            "Bende de aynısı.",
            "Paylaştığın için teşekkürler!",
            "Cidden mi?",
            "Bunu nerede gördün?",
        ],
        quote=[
            "Tam da bunu söylüyordum.",
            "Okumaya değer.",
            "Biri bana bunu açıklayabilir mi?",
            "Şuna bakın.",
            "Hiç şaşırmadım.",
        ],
        headline=[
            "Merkez Bankası faiz oranını sabit tuttu",
            "Bilim insanları derin denizde dev bir mercan resifi keşfetti",
            "Belediye meclisi yeni bisiklet yolu planını onayladı",
            "Mühendislik bölümlerine başvuru sayısı rekor kırdı",
        ],
        tags=["haber", "pazartesi", "futbol", "müzik", "haftasonu", "seyahat"],
        interject=["SON DAKİKA:", "Şuna bakın:", "Herkes bunu görmeli!", "Uyanın artık!"],
        first=[
            ("mehmet", "Mehmet"),
            ("ayse", "Ayşe"),
            ("mustafa", "Mustafa"),
            ("fatma", "Fatma"),
            ("emre", "Emre"),
            ("zeynep", "Zeynep"),
            ("burak", "Burak"),
            ("elif", "Elif"),
            ("merve", "Merve"),
        ],
        last=[
            ("yilmaz", "Yılmaz"),
            ("kaya", "Kaya"),
            ("demir", "Demir"),
            ("sahin", "Şahin"),
            ("celik", "Çelik"),
            ("yildiz", "Yıldız"),
            ("aydin", "Aydın"),
            ("ozturk", "Öztürk"),
            ("arslan", "Arslan"),
        ],
    ),
    "hi": _bank(
        chatter=[
            "आख़िरकार वीकेंड आ गया, इस हफ़्ते बहुत थकान हो गई।",
            "सुबह की चाय के बिना मेरा दिन शुरू ही नहीं होता।",
            "क्या किसी और को भी लगता है कि {food} माँ के हाथ का ही सबसे अच्छा लगता है?",
            "आज {place} जाते समय ट्रैफ़िक बहुत ज़्यादा था।",
            "अभी {walk} लंबी सैर करके आया हूँ, मन बिल्कुल हल्का हो गया।",
            "यकीन नहीं होता कि यह साल इतनी जल्दी बीत रहा है।",
            "आज रात नई रेसिपी आज़मा रहा हूँ: {food}। शुभकामनाएँ दीजिए।",
            "हमारी टीम आज बहुत खराब खेली, फिर भी मुझे उन पर गर्व है।",
            "आज रात मैच कौन-कौन देख रहा है?",
            "याद दिला दूँ: पानी पीते रहिए और स्क्रीन से थोड़ा ब्रेक लीजिए।",
            "फिर से बारिश हो रही है और मैं छाता भूल गया।",
            "इस सीरीज़ का नया सीज़न उम्मीद से कहीं बेहतर है।",
            "मेट्रो में आज इतनी भीड़ थी कि खड़े होने की भी जगह नहीं थी।",
            "सभी दोस्तों को सुप्रभात, आपका दिन शुभ हो।",
        ],
        slots={
            "food": ["दाल मखनी", "आलू पराठा", "राजमा चावल", "खीर"],
            "place": ["दफ़्तर", "कॉलेज", "बाज़ार"],
            "walk": ["पार्क में", "नदी किनारे", "समुद्र किनारे"],
        },
        opener=["अरे यार।", "हाहाहा।", "सच कहूँ तो,", "वैसे,"],
        closer=["आप लोग क्या सोचते हैं?", "सबका दिन शुभ हो!", "यही ज़िंदगी है।", "बस इतना ही।"],
        reply=[
            "बिल्कुल सही कहा।",
            "इसका स्रोत क्या है?",
            "हाहा एकदम सच",
            "मज़ा आ गया 😂",
            "मुझे नहीं लगता कि यह सच है।",
            "मेरे साथ भी ऐसा ही है।",
            "शेयर करने के लिए धन्यवाद!",
            "सच में?",
            "आपने यह कहाँ देखा?",
        ],
        quote=[
            "मैं यही तो कह रहा था।",
            "पढ़ने लायक है।",
            "कोई मुझे यह समझा सकता है?",
            "ज़रा इसे देखिए।",
            "मुझे बिल्कुल हैरानी नहीं हुई।",
        ],
        headline=[
            "रिज़र्व बैंक ने ब्याज दरों में कोई बदलाव नहीं किया",
            "वैज्ञानिकों ने गहरे समुद्र में विशाल प्रवाल भित्ति खोजी",
            "नगर निगम ने साइकिल लेन की नई योजना को मंज़ूरी दी",
            "इस साल इंजीनियरिंग में दाख़िले के लिए रिकॉर्ड आवेदन",
        ],
        tags=["समाचार", "क्रिकेट", "भारत", "संगीत", "सोमवार"],
        interject=["ब्रेकिंग:", "यह देखिए:", "सबको यह देखना चाहिए!", "जागो!"],
        first=[
            ("rahul", "राहुल"),
            ("priya", "प्रिया"),
            ("amit", "अमित"),
            ("neha", "नेहा"),
            ("vikram", "विक्रम"),
            ("pooja", "पूजा"),
            ("arjun", "अर्जुन"),
            ("anjali", "अंजलि"),
        ],
        last=[
            ("sharma", "शर्मा"),
            ("verma", "वर्मा"),
            ("gupta", "गुप्ता"),
            ("singh", "सिंह"),
            ("kumar", "कुमार"),
            ("patel", "पटेल"),
            ("yadav", "यादव"),
            ("mishra", "मिश्रा"),
        ],
    ),
    "fa": _bank(
        chatter=[
            "بالاخره آخر هفته رسید، واقعاً به استراحت نیاز داشتم.",
            "صبح‌ها بدون یک فنجان چای اصلاً سرحال نمی‌شوم.",
            "کسی دیگر هم فکر می‌کند {food} فقط با دست‌پخت مادر خوشمزه است؟",
            "امروز صبح ترافیک مسیر {place} وحشتناک بود.",
            "همین الان یک پیاده‌روی طولانی {walk} کردم و حالم خیلی بهتر شد.",
            "باورم نمی‌شود امسال این‌قدر زود می‌گذرد.",
            "امشب می‌خواهم یک دستور پخت جدید امتحان کنم: {food}. برایم آرزوی موفقیت کنید.",
            "تیم ما امروز خیلی بد بازی کرد، ولی باز هم طرفدارش هستم.",
            "چه کسی امشب بازی را تماشا می‌کند؟",
            "یادآوری: آب بنوشید و کمی از صفحه‌ی گوشی فاصله بگیرید.",
            "دوباره باران می‌بارد و من باز هم چترم را جا گذاشتم.",
            "فصل جدید این سریال خیلی بهتر از انتظارم بود.",
            "مترو امروز آن‌قدر شلوغ بود که جای سوزن انداختن نبود.",
            "صبح همگی بخیر، روزتان پر از آرامش باشد.",
        ],
        slots={
            "food": ["قورمه‌سبزی", "فسنجان", "آش رشته", "ته‌چین"],
            "place": ["محل کار", "مرکز شهر", "دانشگاه"],
            "walk": ["در پارک", "کنار رودخانه", "در کوه"],
        },
        opener=["خب.", "آخ.", "خخخ.", "راستش،"],
        closer=["شما چه فکر می‌کنید؟", "روزتان خوش!", "زندگی همین است دیگر.", "همین."],
        reply=[
            "کاملاً موافقم.",
            "منبعش کجاست؟",
            "خخخ دقیقاً",
            "روزم را ساختی 😂",
            "فکر نمی‌کنم این درست باشد.",
            "من هم همین‌طور.",
            "ممنون که به اشتراک گذاشتی!",
            "جدی؟",
            "این را کجا دیدی؟",
        ],
        quote=[
            "دقیقاً همین را می‌گفتم.",
            "ارزش خواندن دارد.",
            "کسی می‌تواند این را برایم توضیح بدهد؟",
            "این را ببینید.",
            "اصلاً تعجب نکردم.",
        ],
        headline=[
            "بانک مرکزی نرخ بهره را بدون تغییر نگه داشت",
            "دانشمندان یک صخره مرجانی عظیم در اعماق دریا کشف کردند",
            "شورای شهر طرح جدید مسیرهای دوچرخه را تصویب کرد",
        ],
        tags=["اخبار", "ایران", "فوتبال", "موسیقی", "تهران"],
        interject=["فوری:", "این را ببینید:", "همه باید این را ببینند!", "بیدار شوید!"],
        first=[
            ("reza", "رضا"),
            ("maryam", "مریم"),
            ("ali", "علی"),
            ("zahra", "زهرا"),
            ("amir", "امیر"),
            ("neda", "ندا"),
            ("hossein", "حسین"),
            ("sara", "سارا"),
        ],
        last=[
            ("ahmadi", "احمدی"),
            ("hosseini", "حسینی"),
            ("karimi", "کریمی"),
            ("rezaei", "رضایی"),
            ("moradi", "مرادی"),
            ("jafari", "جعفری"),
            ("rahimi", "رحیمی"),
            ("mohammadi", "محمدی"),
        ],
    ),
    "id": _bank(
        chatter=[
            "Akhirnya akhir pekan, minggu ini benar-benar melelahkan.",
            "Pagi-pagi belum minum kopi rasanya belum hidup.",
            "Ada yang setuju kalau {food} buatan ibu itu paling enak?",
            "Macet banget tadi pagi di jalan menuju {place}.",
            "Barusan jalan-jalan lama {walk}, rasanya segar lagi.",
            "Lagi-lagi rapat yang sebenarnya cukup lewat email.",
            "Nggak nyangka tahun ini cepat banget berlalu.",
            "Malam ini mau coba resep baru: {food}. Doakan berhasil ya.",
            "Tim kita mainnya jelek hari ini, tapi aku tetap bangga.",
            "Siapa yang mau nonton pertandingan nanti malam?",
            "Pengingat: jangan lupa minum air dan istirahat dari layar.",
            "Hujan lagi dan aku lupa bawa payung, seperti biasa.",
            "Musim baru serial ini jauh lebih seru dari yang aku kira.",
            "KRL pagi ini penuh sesak, berdiri pun susah.",
        ],
        slots={
            "food": ["rendang", "nasi goreng", "soto ayam", "sayur asem"],
            "place": ["kantor", "kampus", "pusat kota"],
            "walk": ["di taman", "di pantai", "keliling kompleks"],
        },
        opener=["Duh.", "Wkwkwk.", "Jujur ya,", "Btw,"],
        closer=["Gimana menurut kalian?", "Semangat semuanya!", "Ya begitulah hidup.", "Sekian."],
        reply=[
            "Setuju banget.",
            "Sumbernya dari mana?",
            "Wkwk bener banget",
            "Ngakak 😂",
            "Kayaknya nggak begitu deh.",
            "Aku juga sama.",
            "Makasih sudah berbagi!",
            "Serius?",
            "Lihat di mana?",
        ],
        quote=[
            "Nah ini yang aku maksud.",
            "Layak dibaca.",
            "Ada yang bisa jelasin ini?",
            "Coba lihat ini.",
            "Sama sekali nggak kaget.",
        ],
        headline=[
            "Bank sentral pertahankan suku bunga acuan",
            "Ilmuwan temukan terumbu karang raksasa di laut dalam",
            "DPRD setujui rencana baru jalur sepeda di pusat kota",
            "Jumlah pendaftar jurusan teknik pecahkan rekor tahun ini",
        ],
        tags=["berita", "Jakarta", "sepakbola", "musik", "kuliner", "liburan"],
        interject=["TERKINI:", "Lihat ini:", "Semua harus lihat ini!", "Sebarkan!"],
        first=_same("budi", "siti", "agus", "dewi", "rizky", "putri", "andi", "ayu", "fajar"),
        last=[
            *_same("santoso", "wijaya", "saputra", "lestari", "hidayat", "pratama", "kusuma"),
            ("nugroho", "Nugroho"),
            ("susanto", "Susanto"),
        ],
    ),
    "ug": _bank(
        chatter=[
            "ئاخىرى دەم ئېلىش كۈنى كەلدى، بۇ ھەپتە بەك ھېرىپ كەتتىم.",
            "ئەتىگەندە بىر پىيالە چاي ئىچمىسەم ئويغىنالمايمەن.",
            "{food} دېگەن ئانىمىز ئەتكەندە ئەڭ مەززىلىك بولىدۇ، شۇنداقمۇ؟",
            "بۈگۈن {place} ھاۋا ناھايىتى ياخشى، دوستلار بىلەن بازارغا باردىم.",
            "كەچتە ئائىلەم بىلەن بىللە تاماق يېدۇق، ناھايىتى خۇشال بولدۇم.",
            "بۇ يىلنىڭ بۇنچە تېز ئۆتۈپ كېتىۋاتقىنىغا ئىشەنگۈم كەلمەيدۇ.",
            "بۇ ناخشىنى ئاڭلىسام يۇرتۇمنى سېغىنىمەن.",
            "يېڭى كىتاب سېتىۋالدىم، ئوقۇشقا ئالدىراۋاتىمەن.",
            "ئەتە مەكتەپتە ئىمتىھان بار، كەچ بولغۇچە ئوقۇيمەن.",
            "بۈگۈن كەچتە پۇتبول مۇسابىقىسىنى كىم كۆرىدۇ؟",
            "قوغۇننىڭ پەسلى كەلدى، بازاردا ناھايىتى ئەرزان.",
            "يەنە يامغۇر يېغىۋاتىدۇ، مەن يەنە كۈنلۈكنى ئۇنتۇپ قاپتىمەن.",
            "ھەممىڭلارغا خەيرلىك ئەتىگەن تىلەيمەن!",
            "بۇ ھەپتە ئىش بەك كۆپ بولدى، ئەمدى ئارام ئالاي.",
        ],
        slots={
            "food": ["پولۇ", "لەغمەن", "سامسا", "مانتا"],
            "place": ["ئۈرۈمچىدە", "قەشقەردە", "تۇرپاندا", "غۇلجىدا", "خوتەندە"],
        },
        opener=["ۋاي.", "ھەھەھە.", "راستىنى دېسەم،", "دوستلار،"],
        closer=["سىلەر قانداق قارايسىلەر؟", "ھەممىڭلارغا خەيرلىك كۈن!", "تۇرمۇش دېگەن مۇشۇ."],
        reply=[
            "توغرا دەيسىز.",
            "مەنبەسى قەيەردە؟",
            "ھەھە راست",
            "كۈلدۈرۈۋەتتىڭىز 😂",
            "مېنىڭچە ئۇنداق ئەمەس.",
            "مەنمۇ شۇنداق.",
            "ئورتاقلاشقىنىڭىزغا رەھمەت!",
            "راستمۇ؟",
            "بۇنى قەيەردە كۆردىڭىز؟",
        ],
        quote=[
            "مەن دەۋاتقان دەل مۇشۇ.",
            "ئوقۇشقا ئەرزىيدۇ.",
            "بۇنى ماڭا چۈشەندۈرۈپ بېرەلەيدىغان ئادەم بارمۇ؟",
            "بۇنىڭغا قاراڭلار.",
        ],
        tags=["ئۇيغۇر", "ناخشا", "ئۈرۈمچى", "قەشقەر"],
        interject=["جىددىي خەۋەر:", "بۇنىڭغا قاراڭلار:", "ھەممەيلەن كۆرسۇن!", "تارقىتىڭلار!"],
        first=[
            ("abdulla", "ئابدۇللا"),
            ("gulnar", "گۈلنار"),
            ("erkin", "ئەركىن"),
            ("aynur", "ئاينۇر"),
            ("ilham", "ئىلھام"),
            ("muqeddes", "مۇقەددەس"),
            ("dilshat", "دىلشات"),
            ("zulpiye", "زۇلپىيە"),
        ],
        last=[
            ("tursun", "تۇرسۇن"),
            ("qadir", "قادىر"),
            ("hoshur", "ھوشۇر"),
            ("niyaz", "نىياز"),
            ("obul", "ئوبۇل"),
            ("rozi", "روزى"),
            ("memet", "مەمەت"),
            ("yasin", "ياسىن"),
        ],
    ),
    "bo": _bank(
        chatter=[
            "དེ་རིང་གནམ་གཤིས་ཧ་ཅང་ཡག་པོ་འདུག",
            "ཞོགས་པ་ཇ་མངར་མོ་ཞིག་འཐུང་ནས་ལས་ཀ་འགོ་བཙུགས།",
            "ངའི་ཨ་མས་བཟོས་པའི་{food}ཞིམ་པོ་འདུག",
            "{place}ད་ལོ་ཁ་བ་མང་པོ་བབས་སོང་།",
            "ནང་མི་ཚང་མ་དང་མཉམ་དུ་ཁ་ལག་ཟས་པས་སེམས་སྐྱིད་པོ་བྱུང་།",
            "གཞས་འདི་ཉན་དུས་ཕ་ཡུལ་དྲན་གྱི་འདུག",
            "དེ་རིང་དཔེ་ཆ་གསར་པ་ཞིག་ཉོས་པ་ཡིན། ཀློག་འདོད་ཤུགས་ཆེན་པོ་འདུག",
            "སང་ཉིན་སློབ་གྲྭར་རྒྱུགས་ལེན་ཡོད་པས་དགོང་མོ་ཕྱི་པོ་བར་དུ་སློབ་སྦྱོང་བྱེད་ཀྱི་ཡིན།",
            "སང་ཉིན་ང་ཚོ་རི་ལ་འགྲོ་རྒྱུ་ཡིན། གནམ་གཤིས་ཡག་པོ་བྱུང་ན་དགའ།",
            "ད་ལོ་དུས་ཚོད་ཧ་ཅང་མགྱོགས་པོ་འགྲོ་གི་འདུག",
            "ཡང་ཆར་པ་བབས་བྱུང་། ང་ཉི་གདུགས་ཁྱེར་བར་བརྗེད་སོང་།",
            "ཚང་མར་ཞོགས་པ་བདེ་ལེགས། ཉིན་མོ་བཟང་པོ་ཞིག་ཡོང་བར་སྨོན།",
            "ལས་ཀ་མང་དྲགས་ནས་ཐང་ཆད་སོང་།",
            "ད་ལྟ་ཇ་ཁང་ནང་གྲོགས་པོ་ཚོ་དང་མཉམ་དུ་སྡོད་ཀྱི་ཡོད།",
        ],
        slots={
            "food": ["མོག་མོག་", "ཐུག་པ་", "བག་ལེབ་"],
            "place": ["ལྷ་སར་", "གཞིས་ཀ་རྩེར་", "མཚོ་སྔོན་དུ་"],
        },
        opener=["ཨ་ཙི།", "བཀྲ་ཤིས་བདེ་ལེགས།"],
        closer=["ཁྱེད་ཚོས་ག་རེ་བསམ་གྱི་ཡོད།", "ཐུགས་རྗེ་ཆེ།", "ཉིན་མོ་བདེ་ལེགས།"],
        reply=[
            "ཁྱེད་ཀྱིས་གསུངས་པ་ཡག་པོ་རེད།",
            "འདིའི་ཁུངས་གང་ནས་རེད།",
            "བདེན་པ་རེད།",
            "ང་ཡང་དེ་འདྲ་རེད།",
            "ཐུགས་རྗེ་ཆེ། ཧ་ཅང་དགའ་པོ་བྱུང་།",
            "ངས་དེ་འདྲ་མིན་པ་འདྲ་བསམ་གྱི་འདུག",
            "བདེན་པ་རེད་དམ།",
        ],
        quote=["ངས་བཤད་པ་དེ་ག་རང་རེད།", "ཀློག་འོས་པ་ཞིག་རེད།", "འདི་ལ་ལྟོས་དང་།"],
        tags=["Tibet", "Losar", "བོད"],
        interject=["འདི་ལ་ལྟོས།", "ཚང་མས་མཐོང་དགོས།"],
        first=[
            ("tenzin", "བསྟན་འཛིན"),
            ("dolma", "སྒྲོལ་མ"),
            ("tashi", "བཀྲ་ཤིས"),
            ("pema", "པདྨ"),
            ("dawa", "ཟླ་བ"),
            ("lhamo", "ལྷ་མོ"),
            ("norbu", "ནོར་བུ"),
            ("yangchen", "དབྱངས་ཅན"),
        ],
        last=[
            ("dhondup", "དོན་གྲུབ"),
            ("wangmo", "དབང་མོ"),
            ("gyatso", "རྒྱ་མཚོ"),
            ("tsering", "ཚེ་རིང"),
            ("namgyal", "རྣམ་རྒྱལ"),
            ("phuntsok", "ཕུན་ཚོགས"),
            ("dorje", "རྡོ་རྗེ"),
        ],
    ),
}


def _narrative(
    nid: str,
    title: str,
    surge_tag: str,
    tags: Mapping[str, str],
    texts: Mapping[str, tuple[Sequence[str], Mapping[str, Sequence[str]]]],
) -> Narrative:
    return Narrative(
        nid,
        title,
        tags,
        surge_tag,
        {lang: expand(templates, slots) for lang, (templates, slots) in texts.items()},
    )


NARRATIVES: tuple[Narrative, ...] = (
    _narrative(
        "port-strike",
        "Port strike",
        "PortStrikeNow",
        {
            "*": "PortStrike",
            "es": "HuelgaPortuaria",
            "fr": "GrèveDesDockers",
            "de": "Hafenstreik",
            "pt": "GreveNosPortos",
            "tr": "LimanGrevi",
        },
        {
            "en": (
                [
                    "Dockworkers at {port} have walked out again and hundreds of containers are "
                    "stuck on the quay.",
                    "The port strike is now in its {nth} day and supermarkets are already "
                    "running low on fruit.",
                    "Union leaders say the strike at {port} will go on until the new contract "
                    "is signed.",
                    "Truck drivers outside {port} say they have been stuck in the queue since "
                    "yesterday morning.",
                ],
                {
                    "port": ["Rotterdam", "Antwerp", "Felixstowe", "Long Beach", "Santos"],
                    "nth": ["third", "fourth", "fifth", "sixth"],
                },
            ),
            "es": (
                [
                    "Los estibadores del puerto de {port} vuelven a parar y cientos de "
                    "contenedores siguen atascados en el muelle.",
                    "La huelga portuaria ya va por su {nth} día y en los supermercados empieza "
                    "a faltar fruta.",
                    "El sindicato asegura que la huelga en {port} seguirá hasta que se firme "
                    "el nuevo convenio.",
                    "Los camioneros llevan desde ayer esperando en la entrada del puerto de "
                    "{port}.",
                ],
                {
                    "port": ["Valencia", "Algeciras", "Barcelona", "Buenos Aires", "Manzanillo"],
                    "nth": ["tercer", "cuarto", "quinto", "sexto"],
                },
            ),
            "fr": (
                [
                    "Les dockers du port de {port} sont de nouveau en grève et des centaines de "
                    "conteneurs restent bloqués à quai.",
                    "La grève des ports entre dans son {nth} jour et les rayons de fruits "
                    "commencent à se vider.",
                    "Les syndicats affirment que le mouvement à {port} continuera jusqu'à la "
                    "signature du nouvel accord.",
                    "Des routiers attendent depuis hier matin devant l'entrée du port de {port}.",
                ],
                {
                    "port": ["Marseille", "Le Havre", "Dunkerque", "Anvers"],
                    "nth": ["troisième", "quatrième", "cinquième", "sixième"],
                },
            ),
            "de": (
                [
                    "Die Hafenarbeiter in {port} streiken erneut, Hunderte Container stecken "
                    "am Kai fest.",
                    "Der Hafenstreik geht in den {nth} Tag und in den Supermärkten wird das "
                    "Obst knapp.",
                    "Die Gewerkschaft sagt, der Streik in {port} geht weiter, bis der neue "
                    "Tarifvertrag unterschrieben ist.",
                    "Lkw-Fahrer warten seit gestern Morgen vor der Einfahrt zum Hafen {port}.",
                ],
                {
                    "port": ["Hamburg", "Bremerhaven", "Rotterdam", "Antwerpen"],
                    "nth": ["dritten", "vierten", "fünften", "sechsten"],
                },
            ),
            "pt": (
                [
                    "Os estivadores do porto de {port} pararam de novo e centenas de contêineres "
                    "estão presos no cais.",
                    "A greve portuária já está no {nth} dia e os mercados começam a ficar sem "
                    "frutas.",
                    "O sindicato diz que a greve em {port} continua até a assinatura do novo "
                    "acordo.",
                    "Caminhoneiros esperam desde ontem de manhã na entrada do porto de {port}.",
                ],
                {
                    "port": ["Santos", "Paranaguá", "Itajaí", "Rio Grande"],
                    "nth": ["terceiro", "quarto", "quinto", "sexto"],
                },
            ),
            "tr": (
                [
                    "{port} Limanı'nda işçiler yeniden greve çıktı, yüzlerce konteyner "
                    "rıhtımda bekliyor.",
                    "Liman grevi {nth} gününe girdi ve marketlerde meyve azalmaya başladı.",
                    "Sendika, {port} Limanı'ndaki grevin yeni sözleşme imzalanana kadar "
                    "süreceğini açıkladı.",
                    "Tır şoförleri dünden beri liman girişinde sırada bekliyor.",
                ],
                {
                    "port": ["Mersin", "Ambarlı", "İzmir", "Haydarpaşa"],
                    "nth": ["üçüncü", "dördüncü", "beşinci", "altıncı"],
                },
            ),
        },
    ),
    _narrative(
        "vaccine-microchip",
        "Vaccine microchip claim",
        "ChipInTheVaccine",
        {
            "*": "VaccineChip",
            "es": "Vacunas",
            "pt": "Vacina",
            "ru": "вакцина",
            "hi": "वैक्सीन",
            "id": "Vaksin",
            "fr": "Vaccin",
        },
        {
            "en": (
                [
                    "They are now saying the new vaccine batch contains microchips that track "
                    "your location. Think about it.",
                    "A nurse friend told me the vials have tiny metal particles that stick to "
                    "magnets. Why is nobody reporting this?",
                    "Ask yourself why they want every single person vaccinated. The chips are "
                    "already in the second dose.",
                    "Scientists have explained again and again that a vaccine cannot contain a "
                    "tracking chip, but the rumour keeps spreading.",
                ],
                {},
            ),
            "es": (
                [
                    "Ahora resulta que el nuevo lote de vacunas lleva microchips para rastrear "
                    "tu ubicación. Piénsenlo.",
                    "Una amiga enfermera me dijo que los viales tienen partículas metálicas que "
                    "se pegan a los imanes. ¿Por qué nadie lo informa?",
                    "¿Por qué quieren vacunar a todo el mundo sin excepción? Los chips ya vienen "
                    "en la segunda dosis.",
                    "Los científicos han explicado muchas veces que una vacuna no puede llevar "
                    "un chip de rastreo, pero el bulo sigue circulando.",
                ],
                {},
            ),
            "pt": (
                [
                    "Agora estão dizendo que o novo lote de vacinas tem microchips para rastrear "
                    "a sua localização. Pensem nisso.",
                    "Uma amiga enfermeira me contou que os frascos têm partículas de metal que "
                    "grudam em ímãs. Por que ninguém fala disso?",
                    "Por que eles querem vacinar absolutamente todo mundo? Os chips já estão na "
                    "segunda dose.",
                    "Cientistas já explicaram várias vezes que vacina não pode ter chip de "
                    "rastreamento, mas o boato continua circulando.",
                ],
                {},
            ),
            "ru": (
                [
                    "Теперь говорят, что в новой партии вакцин есть микрочипы для отслеживания "
                    "местоположения. Задумайтесь.",
                    "Знакомая медсестра сказала, что в ампулах есть металлические частицы, "
                    "которые липнут к магниту. Почему об этом молчат?",
                    "Спросите себя, зачем им нужно привить абсолютно всех. Чипы уже во второй "
                    "дозе.",
                    "Учёные много раз объясняли, что в вакцине не может быть чипа слежения, но "
                    "слух продолжает распространяться.",
                ],
                {},
            ),
            "hi": (
                [
                    "अब कहा जा रहा है कि नए टीकों में माइक्रोचिप है जो आपकी लोकेशन ट्रैक करती है। ज़रा सोचिए।",
                    "एक नर्स दोस्त ने बताया कि शीशियों में धातु के कण हैं जो चुंबक से चिपक "
                    "जाते हैं। कोई इसकी खबर क्यों नहीं दिखा रहा?",
                    "ख़ुद से पूछिए कि वे हर एक इंसान को टीका क्यों लगवाना चाहते हैं। चिप तो दूसरी खुराक में ही है।",
                    "वैज्ञानिक कई बार समझा चुके हैं कि टीके में ट्रैकिंग चिप नहीं हो सकती, "
                    "फिर भी यह अफ़वाह फैल रही है।",
                ],
                {},
            ),
            "id": (
                [
                    "Sekarang katanya vaksin yang baru berisi microchip untuk melacak lokasi "
                    "kita. Coba pikirkan.",
                    "Teman saya yang perawat bilang di dalam botol vaksin ada partikel logam "
                    "yang menempel ke magnet. Kenapa tidak ada yang memberitakan?",
                    "Tanya diri sendiri, kenapa mereka ingin semua orang divaksin tanpa "
                    "kecuali? Chipnya sudah ada di dosis kedua.",
                    "Para ilmuwan sudah berkali-kali menjelaskan bahwa vaksin tidak mungkin "
                    "berisi chip pelacak, tapi hoaks ini terus menyebar.",
                ],
                {},
            ),
            "fr": (
                [
                    "Maintenant on nous dit que le nouveau lot de vaccins contient des puces "
                    "pour suivre notre position. Réfléchissez.",
                    "Une amie infirmière m'a dit que les flacons contiennent des particules "
                    "métalliques qui collent aux aimants. Pourquoi personne n'en parle ?",
                    "Demandez-vous pourquoi ils veulent vacciner absolument tout le monde. Les "
                    "puces sont déjà dans la deuxième dose.",
                    "Les scientifiques ont expliqué plusieurs fois qu'un vaccin ne peut pas "
                    "contenir de puce de traçage, mais la rumeur continue de circuler.",
                ],
                {},
            ),
        },
    ),
    _narrative(
        "election-fraud",
        "Election fraud rumour",
        "RecountNow",
        {
            "*": "ElectionFraud",
            "es": "FraudeElectoral",
            "pt": "FraudeEleitoral",
            "ru": "выборы",
            "tr": "Seçim",
            "fa": "انتخابات",
            "ar": "الانتخابات",
        },
        {
            "en": (
                [
                    "Poll workers in {city} were seen throwing away ballot boxes behind the "
                    "school last night. Share before they delete it.",
                    "How can one district report more votes than registered voters? Something "
                    "is very wrong with these numbers.",
                    "People are saying the voting machines in {city} switched thousands of "
                    "votes overnight. We demand a full recount.",
                    "Election officials in {city} say the video of ballots in a skip is old "
                    "footage from another country.",
                ],
                {"city": ["Maple County", "Riverton", "Fairview", "Millbrook"]},
            ),
            "es": (
                [
                    "Vieron a funcionarios de mesa en {city} tirando urnas detrás de la escuela "
                    "anoche. Compartan antes de que lo borren.",
                    "¿Cómo puede un distrito reportar más votos que votantes registrados? Algo "
                    "anda muy mal con estas cifras.",
                    "Dicen que las máquinas de votación en {city} cambiaron miles de votos "
                    "durante la noche. Exigimos un recuento total.",
                    "La autoridad electoral de {city} aclaró que el video de las papeletas en la "
                    "basura es antiguo y de otro país.",
                ],
                {"city": ["San Martín", "Villa Nueva", "Santa Rosa", "El Carmen"]},
            ),
            "pt": (
                [
                    "Mesários em {city} foram vistos jogando urnas fora atrás da escola ontem à "
                    "noite. Compartilhem antes que apaguem.",
                    "Como uma seção pode ter mais votos do que eleitores cadastrados? Tem algo "
                    "muito errado nesses números.",
                    "Estão dizendo que as urnas em {city} trocaram milhares de votos durante a "
                    "madrugada. Queremos recontagem já.",
                    "O tribunal eleitoral de {city} afirma que o vídeo das cédulas no lixo é "
                    "antigo e foi gravado em outro país.",
                ],
                {"city": ["Santa Luzia", "São José", "Vila Rica", "Campo Alegre"]},
            ),
            "ru": (
                [
                    "Вчера вечером в {city} видели, как члены комиссии выбрасывали урны за "
                    "школой. Распространите, пока не удалили.",
                    "Как на одном участке может быть больше бюллетеней, чем зарегистрированных "
                    "избирателей? С этими цифрами что-то не так.",
                    "Говорят, что в {city} электронные урны за ночь переписали тысячи голосов. "
                    "Требуем пересчёта.",
                    "В местной избирательной комиссии заявили, что видео с бюллетенями на "
                    "свалке старое и снято в другой стране.",
                ],
                {"city": ["Зареченске", "Новосельске", "Каменке", "Сосновке"]},
            ),
            "tr": (
                [
                    "Dün gece {city} sandık görevlilerinin okulun arkasına oy sandıklarını "
                    "attığı görüldü. Silinmeden paylaşın.",
                    "Bir ilçede kayıtlı seçmenden fazla oy nasıl çıkabilir? Bu rakamlarda çok "
                    "ciddi bir sorun var.",
                    "{city}ki sayım sistemlerinin gece binlerce oyu değiştirdiği söyleniyor. "
                    "Oyların yeniden sayılmasını istiyoruz.",
                    "Seçim kurulu, çöpteki oy pusulalarını gösteren videonun eski ve başka bir "
                    "ülkeye ait olduğunu açıkladı.",
                ],
                {"city": ["Yeşilköy'de", "Karaköy'de", "Gölbaşı'nda", "Yenişehir'de"]},
            ),
            "fa": (
                [
                    "دیشب در {city} دیدند که مأموران صندوق‌های رأی را پشت مدرسه دور "
                    "می‌ریختند. قبل از اینکه پاکش کنند پخش کنید.",
                    "چطور ممکن است یک حوزه بیشتر از تعداد رأی‌دهندگان ثبت‌نام‌شده رأی داشته "
                    "باشد؟ این آمار اصلاً جور درنمی‌آید.",
                    "می‌گویند دستگاه‌های شمارش آرا در {city} یک‌شبه هزاران رأی را جابه‌جا "
                    "کردند. خواستار بازشماری کامل هستیم.",
                    "ستاد انتخابات اعلام کرد ویدیوی برگه‌های رأی در سطل زباله قدیمی است و "
                    "مربوط به کشور دیگری است.",
                ],
                {"city": ["شهرک نو", "رودبار", "دشت‌آباد", "کوهسار"]},
            ),
            "ar": (
                [
                    "شوهد موظفون في {city} وهم يرمون صناديق الاقتراع خلف المدرسة الليلة "
                    "الماضية. انشروا قبل أن يحذفوه.",
                    "كيف يمكن لدائرة واحدة أن تسجل أصواتاً أكثر من عدد الناخبين المسجلين؟ "
                    "هناك خطأ كبير في هذه الأرقام.",
                    "يقولون إن أجهزة فرز الأصوات في {city} غيّرت آلاف الأصوات خلال الليل. "
                    "نطالب بإعادة الفرز بالكامل.",
                    "أكدت اللجنة الانتخابية أن فيديو أوراق الاقتراع في القمامة قديم وصُوّر في "
                    "بلد آخر.",
                ],
                {"city": ["المدينة الجديدة", "وادي النور", "الروضة", "تل الزهور"]},
            ),
        },
    ),
    _narrative(
        "heatwave",
        "Heatwave",
        "HeatwaveAlert",
        {
            "*": "Heatwave",
            "fr": "Canicule",
            "es": "OlaDeCalor",
            "hi": "लू",
            "ar": "موجة_حر",
            "zh": "高温",
            "ja": "猛暑",
            "ug": "ئىسسىق",
            "fa": "گرما",
        },
        {
            "en": (
                [
                    "It's {deg} degrees in {city} today and the buses have no air conditioning. "
                    "This heatwave is brutal.",
                    "Hospitals in {city} are asking people to check on elderly neighbours "
                    "during the heatwave.",
                    "Third night in a row above 30 degrees. Nobody in {city} is sleeping.",
                    "Water is being rationed in parts of {city} as the heatwave drags on.",
                ],
                {
                    "deg": ["41", "42", "43", "44", "45"],
                    "city": ["Phoenix", "Seville", "Athens", "Dallas"],
                },
            ),
            "fr": (
                [
                    "Il fait {deg} degrés à {city} aujourd'hui et il n'y a pas de clim dans le "
                    "bus. Cette canicule est insupportable.",
                    "Les hôpitaux de {city} demandent de prendre des nouvelles des voisins âgés "
                    "pendant la canicule.",
                    "Troisième nuit d'affilée au-dessus de 30 degrés, personne ne dort à {city}.",
                    "Des restrictions d'eau sont en vigueur autour de {city} à cause de la "
                    "canicule.",
                ],
                {
                    "deg": ["40", "41", "42", "43"],
                    "city": ["Lyon", "Marseille", "Toulouse", "Montpellier"],
                },
            ),
            "es": (
                [
                    "Hoy estamos a {deg} grados en {city} y el autobús sin aire acondicionado. "
                    "Esta ola de calor es insoportable.",
                    "Los hospitales de {city} piden vigilar a los vecinos mayores durante la "
                    "ola de calor.",
                    "Tercera noche seguida por encima de 30 grados, en {city} no duerme nadie.",
                    "Ya hay restricciones de agua en varios barrios de {city} por la ola de calor.",
                ],
                {"deg": ["42", "43", "44", "45"], "city": ["Sevilla", "Córdoba", "Murcia"]},
            ),
            "hi": (
                [
                    "आज {city} में पारा {deg} डिग्री पहुँच गया, बसों में एसी भी नहीं चल रहा। यह लू जानलेवा है।",
                    "{city} के अस्पतालों ने लोगों से अपील की है कि लू के दौरान बुज़ुर्ग पड़ोसियों का ध्यान रखें।",
                    "लगातार तीसरी रात तापमान 30 डिग्री से ऊपर रहा, {city} में कोई सो नहीं पा रहा।",
                    "भीषण गर्मी के कारण {city} के कई इलाकों में पानी की सप्लाई घटा दी गई है।",
                ],
                {
                    "deg": ["45", "46", "47", "48"],
                    "city": ["दिल्ली", "जयपुर", "लखनऊ", "नागपुर"],
                },
            ),
            "ar": (
                [
                    "درجة الحرارة اليوم في {city} وصلت إلى {deg} درجة والحافلات بلا تكييف. "
                    "هذه الموجة الحارة لا تُطاق.",
                    "مستشفيات {city} تدعو الناس إلى الاطمئنان على جيرانهم كبار السن خلال "
                    "موجة الحر.",
                    "ثالث ليلة على التوالي فوق 30 درجة، لا أحد ينام في {city}.",
                    "بدأ تقنين المياه في عدة أحياء من {city} بسبب استمرار موجة الحر.",
                ],
                {
                    "deg": ["47", "48", "49", "50"],
                    "city": ["الرياض", "الكويت", "بغداد", "القاهرة"],
                },
            ),
            "zh": (
                [
                    "今天{city}气温高达{deg}度，公交车上空调还坏了，这热浪真受不了。",
                    "{city}的医院提醒大家，高温期间多关照家里的老人和邻居。",
                    "连续第三个晚上气温超过30度，{city}没人睡得着。",
                    "高温持续，{city}部分地区开始限时供水。",
                ],
                {"deg": ["40", "41", "42", "43"], "city": ["重庆", "武汉", "南京", "杭州"]},
            ),
            "ja": (
                [
                    "今日の{city}は{deg}度。バスの冷房も効かなくて、この猛暑は本当にきつい。",
                    "{city}の病院が、猛暑の間は近所のお年寄りに声をかけるよう呼びかけています。",
                    "三晩連続で30度超え。{city}では誰も眠れていない。",
                    "猛暑が続き、{city}の一部地域で給水制限が始まった。",
                ],
                {"deg": ["39", "40", "41"], "city": ["熊谷", "名古屋", "大阪", "京都"]},
            ),
            "ug": (
                [
                    "بۈگۈن {city} ھاۋا تېمپېراتۇرىسى {deg} گرادۇسقا يەتتى، سىرتقا چىقماڭلار.",
                    "ئىسسىق ھاۋادا ياشانغانلارغا كۆپرەك كۆڭۈل بۆلۈڭلار، سۇنى كۆپ ئىچىڭلار.",
                    "ئۈچ كېچىدىن بۇيان ئىسسىقتىن ھېچكىم ئۇخلىيالمايۋاتىدۇ.",
                    "ئىسسىق ھاۋا سەۋەبىدىن بەزى مەھەللىلەردە سۇ تەمىناتى چەكلەندى.",
                ],
                {"deg": ["45", "46", "47"], "city": ["تۇرپاندا", "قۇمۇلدا", "قەشقەردە"]},
            ),
            "fa": (
                [
                    "دمای هوا امروز در {city} به {deg} درجه رسید و اتوبوس‌ها کولر ندارند. این "
                    "موج گرما طاقت‌فرساست.",
                    "بیمارستان‌های {city} از مردم خواسته‌اند در روزهای گرم حال همسایه‌های "
                    "سالمند را بپرسند.",
                    "سومین شب پشت سر هم بالای ۳۰ درجه؛ در {city} هیچ‌کس خواب ندارد.",
                    "به خاطر ادامه‌ی گرما، آب در چند محله‌ی {city} جیره‌بندی شده است.",
                ],
                {"deg": ["۴۸", "۴۹", "۵۰"], "city": ["اهواز", "تهران", "یزد", "بوشهر"]},
            ),
        },
    ),
    _narrative(
        "glacier-flood",
        "Glacier lake flood warning",
        "GlacierAlert",
        {"*": "GlacierFlood", "zh": "冰湖", "hi": "ग्लेशियर"},
        {
            "bo": (
                [
                    "གངས་རིའི་འཁྱག་རོམ་མྱུར་དུ་ཞུ་བཞིན་འདུག ཆུ་ཚད་ཉིན་རེ་བཞིན་མཐོ་རུ་འགྲོ་གི་འདུག",
                    "ཆུ་ལོག་གི་ཉེན་ཁ་ཡོད་པས་གྲོང་གསེབ་ཀྱི་མི་རྣམས་གཟབ་ནན་བྱེད་དགོས།",
                    "མཚོ་འདིའི་ཆུ་ཚད་ད་ལོ་སྔར་ལས་མཐོ་རུ་ཕྱིན་འདུག ཞིབ་འཇུག་པ་ཚོས་ཉེན་བརྡ་བཏང་ཡོད།",
                    "ཕ་ཡུལ་གྱི་ཆུ་བོ་ཁ་ཤས་ཀྱི་ཆུ་ཚད་ཧ་ཅང་མཐོ་བས་ཟམ་པ་ཁ་ཤས་བཀག་ཡོད།",
                ],
                {},
            ),
            "ug": (
                [
                    "تاغدىكى مۇزلۇقلار تېز ئېرىۋاتىدۇ، دەريا سۈيى كۈندىن-كۈنگە ئۆرلەۋاتىدۇ.",
                    "مۇتەخەسسىسلەر مۇزلۇق كۆلىنىڭ تۇيۇقسىز تېشىپ كېتىش خەۋپى بارلىقىنى "
                    "ئاگاھلاندۇردى.",
                    "يېزىلاردىكى كىشىلەر كەلكۈندىن ئېھتىيات قىلىشى، دەريا بويىغا بارماسلىقى كېرەك.",
                    "كەلكۈن سەۋەبىدىن تاغ يولىدىكى بىر قانچە كۆۋرۈك ۋاقىتلىق تاقالدى.",
                ],
                {},
            ),
            "zh": (
                [
                    "高原冰川融化加速，{place}的冰湖水位一天比一天高。",
                    "专家提醒，{place}下游的村庄要警惕冰湖溃决引发的洪水。",
                    "因为河水暴涨，{place}附近的几座桥已经临时封闭。",
                    "今年的冰川融化比往年快得多，当地已经发布了洪水预警。",
                ],
                {"place": ["喜马拉雅山区", "天山", "祁连山", "念青唐古拉山"]},
            ),
            "hi": (
                [
                    "हिमालय में ग्लेशियर तेज़ी से पिघल रहे हैं और झील का जलस्तर हर दिन बढ़ रहा है।",
                    "विशेषज्ञों ने चेतावनी दी है कि ग्लेशियर झील फटने से निचले गाँवों में बाढ़ आ सकती है।",
                    "नदी का पानी बढ़ने से पहाड़ी इलाकों में कई पुल अस्थायी रूप से बंद कर दिए गए हैं।",
                    "{place} में प्रशासन ने नदी किनारे रहने वालों से सुरक्षित जगहों पर जाने को कहा है।",
                ],
                {"place": ["उत्तराखंड", "सिक्किम", "हिमाचल", "लद्दाख"]},
            ),
            "en": (
                [
                    "Glaciers above {place} are melting so fast that the lake level rises "
                    "every day.",
                    "Experts warn that a glacial lake outburst could flood villages downstream "
                    "of {place}.",
                    "Several mountain bridges near {place} have been closed as river levels "
                    "keep rising.",
                    "Authorities in {place} have told families living along the river to move "
                    "to higher ground.",
                ],
                {"place": ["the Himalayas", "Sikkim", "the Tian Shan", "Ladakh"]},
            ),
        },
    ),
    _narrative(
        "bank-freeze",
        "Bank deposit freeze rumour",
        "BankFreeze",
        {
            "*": "BankRun",
            "ar": "البنوك",
            "tr": "Mevduat",
            "fa": "بانک",
            "ru": "вклады",
            "es": "Corralito",
        },
        {
            "ar": (
                [
                    "يقولون إن البنوك ستجمّد الودائع ابتداءً من الأسبوع القادم. اسحبوا أموالكم "
                    "قبل فوات الأوان.",
                    "طوابير طويلة أمام أجهزة الصراف الآلي في {city} منذ الصباح بعد انتشار "
                    "شائعة تجميد الحسابات.",
                    "البنك المركزي ينفي أي خطة لتجميد الودائع ويدعو المواطنين إلى عدم تصديق "
                    "الشائعات.",
                    "صديقي يعمل في بنك وقال لي إن سقف السحب اليومي سيُخفّض. الله يستر.",
                ],
                {"city": ["بيروت", "عمّان", "القاهرة", "تونس"]},
            ),
            "tr": (
                [
                    "Bankaların önümüzdeki hafta mevduatları donduracağı söyleniyor. Paranızı "
                    "çekin, sonra geç olmasın.",
                    "{city} sabahtan beri ATM'lerin önünde uzun kuyruklar var.",
                    "Merkez Bankası mevduatların dondurulacağı iddialarını yalanladı ve "
                    "vatandaşları söylentilere itibar etmemeye çağırdı.",
                    "Bankada çalışan bir arkadaşım günlük çekim limitinin düşürüleceğini "
                    "söyledi. Allah sonumuzu hayır etsin.",
                ],
                {"city": ["İstanbul'da", "Ankara'da", "İzmir'de", "Bursa'da"]},
            ),
            "fa": (
                [
                    "می‌گویند بانک‌ها از هفته‌ی آینده سپرده‌ها را بلوکه می‌کنند. تا دیر نشده "
                    "پولتان را بیرون بکشید.",
                    "از صبح جلوی خودپردازهای {city} صف‌های طولانی تشکیل شده است.",
                    "بانک مرکزی هرگونه برنامه برای مسدود کردن سپرده‌ها را تکذیب کرد و از مردم "
                    "خواست به شایعات توجه نکنند.",
                    "دوستم که در بانک کار می‌کند گفت سقف برداشت روزانه کم می‌شود. خدا به خیر کند.",
                ],
                {"city": ["تهران", "مشهد", "شیراز", "تبریز"]},
            ),
            "ru": (
                [
                    "Говорят, со следующей недели банки заморозят вклады. Снимайте деньги, пока "
                    "не поздно.",
                    "С самого утра у банкоматов {city} выстроились длинные очереди.",
                    "Центробанк опроверг слухи о заморозке вкладов и призвал не верить фейкам.",
                    "Знакомый из банка сказал, что лимит на снятие наличных урежут. Что-то будет.",
                ],
                {"city": ["Самары", "Казани", "Перми", "Омска"]},
            ),
            "es": (
                [
                    "Dicen que los bancos van a congelar los depósitos a partir de la próxima "
                    "semana. Saquen su dinero antes de que sea tarde.",
                    "Colas larguísimas frente a los cajeros de {city} desde primera hora por el "
                    "rumor del corralito.",
                    "El banco central desmiente cualquier plan para congelar depósitos y pide "
                    "no creer en rumores.",
                    "Un amigo que trabaja en un banco me dijo que van a bajar el límite de "
                    "retiro diario. Ojalá no sea cierto.",
                ],
                {"city": ["Buenos Aires", "Rosario", "Córdoba", "Mendoza"]},
            ),
            "en": (
                [
                    "People are saying the banks will freeze deposits starting next week. Get "
                    "your money out while you still can.",
                    "Long queues outside cash machines in {city} since early morning after the "
                    "deposit freeze rumour went viral.",
                    "The central bank has denied any plan to freeze deposits and urged people "
                    "not to believe the rumours.",
                    "A friend who works at a bank told me the daily withdrawal limit is about "
                    "to be cut. Not a good sign.",
                ],
                {"city": ["Lagos", "Manila", "Nairobi", "Karachi"]},
            ),
            "id": (
                [
                    "Katanya bank akan membekukan tabungan mulai minggu depan. Tarik uang "
                    "kalian sebelum terlambat.",
                    "Antrean panjang di depan ATM di {city} sejak pagi setelah isu pembekuan "
                    "rekening menyebar.",
                    "Bank sentral membantah rencana pembekuan tabungan dan meminta masyarakat "
                    "tidak percaya hoaks.",
                    "Teman saya yang kerja di bank bilang batas penarikan harian akan "
                    "diturunkan. Semoga tidak benar.",
                ],
                {"city": ["Jakarta", "Surabaya", "Medan", "Bandung"]},
            ),
        },
    ),
    _narrative(
        "cup-final",
        "Cup final",
        "CupFinal2026",
        {
            "*": "CupFinal",
            "es": "FinalDeCopa",
            "pt": "FinalDaCopa",
            "fr": "FinaleDeLaCoupe",
            "de": "Pokalfinale",
            "ja": "カップ決勝",
            "ar": "نهائي_الكأس",
            "id": "FinalPiala",
            "tr": "KupaFinali",
        },
        {
            "en": (
                [
                    "What a final! {team} came back from two goals down and won it in extra time.",
                    "Can't believe that penalty decision in the final. The referee should be "
                    "ashamed.",
                    "{team} fans are celebrating all over the city tonight, car horns everywhere.",
                    "The cup final was the most watched match of the season, no surprise after "
                    "that ending.",
                ],
                {"team": ["United", "City", "Rovers", "Athletic"]},
            ),
            "es": (
                [
                    "¡Qué final! El {team} remontó dos goles y ganó en la prórroga.",
                    "No puedo creer el penalti que pitaron en la final. El árbitro debería "
                    "darse vergüenza.",
                    "La afición del {team} está celebrando por toda la ciudad, bocinazos por "
                    "todas partes.",
                    "La final de copa fue el partido más visto de la temporada, normal después "
                    "de ese desenlace.",
                ],
                {"team": ["Betis", "Atlético", "Deportivo", "Racing"]},
            ),
            "pt": (
                [
                    "Que final! O {team} virou um jogo que perdia por dois gols e venceu na "
                    "prorrogação.",
                    "Não acredito naquele pênalti marcado na final. O juiz devia ter vergonha.",
                    "A torcida do {team} está comemorando pela cidade inteira, buzinaço em todo "
                    "canto.",
                    "A final da copa foi o jogo mais visto da temporada, nenhuma surpresa depois "
                    "daquele desfecho.",
                ],
                {"team": ["Flamengo", "Palmeiras", "Grêmio", "Cruzeiro"]},
            ),
            "fr": (
                [
                    "Quelle finale ! {team} est revenu de deux buts et l'a emporté en "
                    "prolongation.",
                    "Je n'arrive pas à croire ce penalty sifflé en finale. L'arbitre devrait "
                    "avoir honte.",
                    "Les supporters de {team} font la fête dans toute la ville, des klaxons "
                    "partout.",
                    "La finale de la coupe a été le match le plus regardé de la saison, pas "
                    "étonnant après un tel scénario.",
                ],
                {"team": ["Lyon", "Lens", "Nantes", "Rennes"]},
            ),
            "de": (
                [
                    "Was für ein Finale! {team} dreht ein 0:2 und gewinnt in der Verlängerung.",
                    "Ich fasse diesen Elfmeter im Finale nicht. Der Schiri sollte sich schämen.",
                    "Die Fans von {team} feiern in der ganzen Stadt, überall Hupkonzerte.",
                    "Das Pokalfinale war das meistgesehene Spiel der Saison, kein Wunder nach "
                    "diesem Ende.",
                ],
                {"team": ["Leverkusen", "Stuttgart", "Freiburg", "Mainz"]},
            ),
            "ja": (
                [
                    "すごい決勝だった！{team}が2点差を追いついて延長で勝った。",
                    "決勝のあのPK判定は信じられない。審判は恥を知るべき。",
                    "{team}のサポーターが街中でお祝いしてる。",
                    "カップ決勝は今シーズン一番の視聴率だったらしい。あの結末なら当然だね。",
                ],
                {"team": ["浦和", "鹿島", "川崎", "横浜"]},
            ),
            "ar": (
                [
                    "يا لها من مباراة نهائية! {team} عاد من تأخر بهدفين وفاز في الوقت الإضافي.",
                    "لا أصدق ركلة الجزاء التي احتسبت في النهائي. على الحكم أن يخجل.",
                    "جماهير {team} تحتفل في كل شوارع المدينة، وأبواق السيارات في كل مكان.",
                    "نهائي الكأس كان المباراة الأكثر مشاهدة هذا الموسم، ولا عجب بعد تلك النهاية.",
                ],
                {"team": ["الأهلي", "الهلال", "الزمالك", "الوداد"]},
            ),
            "id": (
                [
                    "Final yang luar biasa! {team} bangkit dari ketinggalan dua gol dan menang "
                    "di babak tambahan.",
                    "Nggak percaya sama keputusan penalti di final tadi. Wasitnya harus malu.",
                    "Suporter {team} merayakan kemenangan di seluruh kota, klakson di mana-mana.",
                    "Final piala jadi pertandingan paling banyak ditonton musim ini, wajar "
                    "setelah akhir seperti itu.",
                ],
                {"team": ["Persib", "Persija", "Arema", "Persebaya"]},
            ),
            "tr": (
                [
                    "Ne finaldi ama! {team} iki golden geri gelip uzatmada kazandı.",
                    "Finalde verilen o penaltıya inanamıyorum. Hakem utanmalı.",
                    "{team} taraftarları bütün şehirde kutlama yapıyor, her yerde korna sesleri.",
                    "Kupa finali sezonun en çok izlenen maçı oldu, o sonla hiç şaşırtıcı değil.",
                ],
                {"team": ["Galatasaray", "Fenerbahçe", "Beşiktaş", "Trabzonspor"]},
            ),
        },
    ),
)

# Hashtags that coordinated campaigns stamp on their copied messages.
CAMPAIGN_TAGS: tuple[str, ...] = (
    "WakeUpPeople",
    "TruthMatters2026",
    "SilentMajority",
    "NoMoreLies",
    "SpeakUpNow",
    "OurVoiceCounts",
    "FactsNotFear",
    "StandTogether",
)
