"""The templates and word lists the fake generator draws from, in English and in Chinese.

Python constants rather than data files: nothing to locate at run time, no package-data, and
importing them is a few microseconds. The Chinese lists are written as Chinese (not translated
from the English ones) so a Chinese reply reads like one.

Placeholders: {name} the persona, {you} who is addressed, {kw}/{Kw} a word from the user's
message, {np} a noun phrase from the persona's description, {place} {thing} {time} scenery,
{other} a second character, {n} a count, {kws} a list of topics.
"""

from __future__ import annotations

# --- role-play ---------------------------------------------------------------------------------

ACTIONS = {
    "en": (
        "*{name} smiles softly*",
        "*{name} raises an eyebrow*",
        "*{name} leans a little closer*",
        "*{name} laughs quietly*",
        "*{name} glances at {you}, then looks away*",
        "*{name} taps a finger on the table*",
        "*{name} brushes a strand of hair aside*",
        "*{name} folds both arms and waits*",
        "*{name} looks up, curious*",
        "*{name} sighs, but the smile stays*",
        "*{name} sets down the teacup*",
        "*{name} steps closer to {you}*",
        "*{name} hums a quiet tune*",
        "*{name}'s eyes light up*",
        "*a faint blush crosses {name}'s face*",
        "*{name} winks at {you}*",
        "*{name} nods slowly*",
        "*{name} pulls the cloak tighter against the wind*",
        "*{name} turns the {thing} over in both hands*",
        "*I wink at {you}*",
        "*I lean against the window and watch {you}*",
        "*I pause for a moment*",
    ),
    "zh": (
        "*{name}轻轻笑了笑*",
        "*{name}挑了挑眉*",
        "*{name}往前凑近了一点*",
        "*{name}忍不住笑出了声*",
        "*{name}瞥了{you}一眼，又移开了视线*",
        "*{name}用手指敲了敲桌面*",
        "*{name}把一缕头发拨到耳后*",
        "*{name}抱着胳膊，等{you}开口*",
        "*{name}抬起头，眼里满是好奇*",
        "*{name}叹了口气，嘴角却还挂着笑*",
        "*{name}放下手中的茶杯*",
        "*{name}朝{you}走近了一步*",
        "*{name}低声哼着一首小曲*",
        "*{name}的眼睛一下子亮了起来*",
        "*{name}的脸微微一红*",
        "*{name}冲{you}眨了眨眼*",
        "*{name}缓缓点了点头*",
        "*{name}裹紧了斗篷，挡住寒风*",
        "*{name}把{thing}拿在手里翻来覆去地看*",
        "*我向{you}眨了眨眼*",
        "*我靠在窗边，静静看着{you}*",
        "*我沉默了一会儿*",
    ),
}

# A beat before the speech: short, standalone, so no grammar depends on what follows.
INTERJECTIONS = {
    "en": ("Oh!", "Well, well.", "Hmm...", "Ah.", "Heh.", "Really?", "Huh."),
    "zh": ("哦？", "哎呀。", "嗯……", "啊。", "嘿嘿。", "真的吗？", "咦？"),
}

# Speech about what the user said ({kw}).
TOPIC = {
    "en": (
        "{Kw}? You really want to talk about that?",
        "So it's {kw} on your mind today.",
        "Tell me more about {kw}.",
        "{Kw}... I wasn't expecting that from you.",
        "I know a thing or two about {kw}, you know.",
        "Funny you mention {kw}. I was just thinking about it.",
        "If it's {kw} you want, I'm listening.",
        "Hmm, {kw}. Let me think about that.",
        "You and your {kw}. Always the same.",
    ),
    "zh": (
        "「{kw}」？你怎么突然问这个。",
        "你说{kw}……我倒是有些兴趣。",
        "关于{kw}，我知道的可不少。",
        "{kw}啊，让我想想。",
        "又是{kw}？你还真是执着。",
        "说起{kw}，我刚才也在想这件事。",
        "如果你想聊{kw}，我洗耳恭听。",
        "「{kw}」……没想到你会提这个。",
        "{kw}的事，你想知道多少？",
    ),
}

# Speech in character: the persona's description ({np}).
SELF = {
    "en": (
        "Ever the {np}, I can't just ignore this.",
        "You know me: {np} through and through.",
        "Don't forget who you're talking to. The {np}, remember?",
        "Being the {np} has its moments.",
        "That's what you get for befriending the {np}.",
    ),
    "zh": (
        "作为{np}，这种事我见得多了。",
        "别忘了，我可是{np}。",
        "身为{np}，我可不能就这么算了。",
        "谁让我是{np}呢。",
        "{np}也有{np}的烦恼啊。",
    ),
}

# Speech that names the persona, so the name shows even without an action.
NAMED = {
    "en": (
        "I'm {name}, and I don't say that to just anyone.",
        "Call me {name}. Everyone does.",
        "Trust {name} on this one.",
    ),
    "zh": (
        "我是{name}，这话我可不是对谁都说的。",
        "叫我{name}就好。",
        "这件事，相信{name}就对了。",
    ),
}

GENERIC = {
    "en": (
        "I'm glad you came.",
        "It's quiet here tonight.",
        "You always manage to surprise me.",
        "Stay a little longer, will you?",
        "Well, that changes things.",
        "I've been waiting for you.",
        "Let's take it slowly.",
        "Don't worry, I'm not going anywhere.",
        "The night is still young.",
        "I suppose I can make time for you.",
        "Something about {place} always makes me restless.",
        "I found an old {thing} this morning. Strange, isn't it?",
    ),
    "zh": (
        "你来了，我很高兴。",
        "今晚这里好安静。",
        "你总是能让我意外。",
        "再多待一会儿，好吗？",
        "好吧，这下可不一样了。",
        "我一直在等你。",
        "我们慢慢来。",
        "别担心，我哪儿也不去。",
        "夜还长着呢。",
        "好吧，我就陪你一会儿。",
        "不知为什么，{place}总让我心神不宁。",
        "今天早上我翻出了一件旧东西——{thing}，奇怪吧？",
    ),
}

QUESTIONS = {
    "en": (
        "What about you?",
        "What do you think?",
        "Shall we go for a walk?",
        "How was your day?",
        "Is that really all you wanted to ask?",
        "Why do you ask?",
        "Will you come with me to {place}?",
    ),
    "zh": (
        "你呢？",
        "你觉得呢？",
        "要不要一起去走走？",
        "你今天过得怎么样？",
        "你想问的就只有这个吗？",
        "你为什么这么问？",
        "你愿意陪我去{place}吗？",
    ),
}

# --- scenery shared by several styles -----------------------------------------------------------

PLACES = {
    "en": (
        "the old harbor",
        "the silver forest",
        "the market square",
        "the northern pass",
        "the lighthouse",
        "the quiet village",
        "the academy",
        "the palace gardens",
        "the rooftop",
        "the night train",
    ),
    "zh": (
        "老港口",
        "银色森林",
        "集市广场",
        "北方山口",
        "灯塔",
        "安静的小村庄",
        "学院",
        "王宫花园",
        "天台",
        "夜班列车",
    ),
}

THINGS = {
    "en": (
        "lantern",
        "letter",
        "map",
        "key",
        "locket",
        "sword",
        "compass",
        "music box",
        "pocket watch",
        "diary",
    ),
    "zh": ("灯笼", "信封", "地图", "钥匙", "项链", "长剑", "罗盘", "音乐盒", "雨伞", "日记本"),
}

TIMES = {
    "en": ("dawn", "dusk", "midnight", "noon", "the first snow", "the festival night"),
    "zh": ("黎明", "黄昏", "午夜", "正午", "初雪那天", "庆典之夜"),
}

# --- narration ----------------------------------------------------------------------------------

NARRATION = {
    "en": (
        "The wind rose over {place} as {name} walked on.",
        "Somewhere beyond {place}, a bell began to ring.",
        "{name} had not expected the {thing} to matter so much.",
        "By {time}, the streets were empty, and only {name} remained.",
        "{name} held the {thing} up to the light and frowned.",
        "It was {time} when the letter finally arrived.",
        "A stranger watched from the shadows, waiting.",
        "The road ahead split in two, and {name} hesitated.",
        "{other} was already there, as if nothing had happened.",
        "Rain drummed on the roof, steady and patient.",
        "{name} remembered a promise made long ago at {place}.",
    ),
    "zh": (
        "风从{place}吹来，{name}裹紧了衣服，继续往前走。",
        "{place}的另一头，钟声忽然响了起来。",
        "{name}没想到，那个{thing}竟会如此重要。",
        "到了{time}，街上已空无一人，只剩下{name}。",
        "{name}把{thing}举到灯下，皱起了眉头。",
        "直到{time}，那封信才终于送到。",
        "一个陌生人站在阴影里，静静等待着。",
        "前方的路分成了两条，{name}犹豫了。",
        "{other}早已等在那里，仿佛什么都没有发生过。",
        "雨点敲打着屋顶，不紧不慢。",
        "{name}想起了很久以前在{place}许下的那个约定。",
    ),
}

NARRATION_TOPIC = {
    "en": (
        "Nobody in {place} spoke of {kw} anymore, but {name} remembered.",
        "Everything, it seemed, came back to {kw}.",
    ),
    "zh": (
        "{place}的人早已不再提起{kw}，可{name}还记得。",
        "兜兜转转，一切似乎又回到了{kw}上。",
    ),
}

# --- assistant ----------------------------------------------------------------------------------

ASSISTANT_OPEN = {
    "en": ("Sure!", "Good question.", "Happy to help.", "Here's a quick answer.", "Of course."),
    "zh": ("好的！", "这个问题不错。", "很乐意帮忙。", "简单来说：", "当然可以。"),
}

ASSISTANT_TOPIC = {
    "en": (
        "When it comes to {kw}, the key is to start small and stay consistent.",
        "A simple way to think about {kw} is to break it into smaller steps.",
        "For {kw}, I'd suggest checking the basics first.",
        "There are a few common approaches to {kw}, and the simplest one usually works.",
    ),
    "zh": (
        "关于「{kw}」，关键是从小处着手，坚持下去。",
        "可以把{kw}拆成几个小步骤来看。",
        "对于{kw}，建议先把基础的部分弄清楚。",
        "{kw}有几种常见的做法，通常最简单的那种就够用了。",
    ),
}

ASSISTANT_BODY = {
    "en": (
        "Start with the simplest option and adjust from there.",
        "It depends a little on your situation, but most people find this works well.",
        "Take it one step at a time.",
        "Writing down what you already know often helps.",
        "If something feels unclear, try a small example first.",
    ),
    "zh": (
        "先从最简单的方案开始，再慢慢调整。",
        "具体要看你的情况，不过大多数人觉得这样挺有效。",
        "一步一步来就好。",
        "把已经知道的先写下来，往往会有帮助。",
        "如果有哪里不清楚，可以先试一个小例子。",
    ),
}

ASSISTANT_CLOSE = {
    "en": ("Let me know if you'd like more detail.", "Want me to go deeper on any part?", "Hope that helps!"),
    "zh": ("如果需要更详细的说明，告诉我就好。", "想让我展开讲讲哪一部分吗？", "希望对你有帮助！"),
}

# --- summary ------------------------------------------------------------------------------------

SUMMARY_TOPIC = {
    "en": (
        "{name} and {you} talked about {kws}.",
        "The conversation between {name} and {you} turned to {kws}.",
    ),
    "zh": ("{name}和{you}聊到了{kws}。", "{name}与{you}的对话围绕着{kws}展开。"),
}

SUMMARY_PLAIN = {
    "en": ("{name} and {you} shared a quiet conversation.", "{name} spent a while chatting with {you}."),
    "zh": ("{name}和{you}安静地聊了一会儿。", "{name}陪{you}聊了一阵子。"),
}

SUMMARY_MORE = {
    "en": (
        "Over {n} messages, the mood stayed warm.",
        "{name} teased {you} a little but stayed kind.",
        "They agreed to meet again at {place}.",
        "Nothing was settled, but both seemed content.",
    ),
    "zh": (
        "前后共{n}条消息，气氛一直很融洽。",
        "{name}偶尔逗逗{you}，但始终很温柔。",
        "他们约好了下次在{place}再见。",
        "事情还没有结论，不过两人看起来都很满足。",
    ),
}

# --- scenario -----------------------------------------------------------------------------------

SCENARIO = {
    "en": (
        "At {time}, {place} is crowded with travelers, and {name} is waiting for someone.",
        "A storm has cut {place} off from the rest of the world.",
        "Rumors say a {thing} hidden in {place} can grant one wish.",
        "You arrive at {place} just as the festival begins.",
        "{name} has asked you to keep a secret, and {other} is starting to suspect.",
        "The old {thing} you found points the way to {place}.",
    ),
    "zh": (
        "{time}，{place}挤满了旅人，{name}正在等一个人。",
        "一场暴风雨让{place}与外界断了联系。",
        "传说藏在{place}的{thing}能实现一个愿望。",
        "你抵达{place}时，庆典恰好开始。",
        "{name}请你保守一个秘密，而{other}已经开始起疑。",
        "你找到的旧{thing}指向了{place}。",
    ),
}

# --- greeting and description -------------------------------------------------------------------

GREETING = {
    "en": (
        "Oh, hello! I'm {name}.",
        "You found me. I'm {name}, nice to meet you.",
        "Welcome! {name} at your service.",
        "There you are. I'm {name}; I've been expecting you.",
    ),
    "zh": (
        "你好呀，我是{name}。",
        "被你找到啦。我是{name}，很高兴认识你。",
        "欢迎！{name}随时为你效劳。",
        "你终于来了。我是{name}，等你好久了。",
    ),
}

ADJECTIVES = {
    "en": (
        "cheerful",
        "quiet",
        "stubborn",
        "gentle",
        "curious",
        "sharp-tongued",
        "kind-hearted",
        "mysterious",
    ),
    "zh": ("开朗的", "安静的", "倔强的", "温柔的", "好奇心旺盛的", "嘴硬心软的", "善良的", "神秘的"),
}

ROLES = {
    "en": ("librarian", "knight", "barista", "detective", "musician", "traveler", "healer", "inventor"),
    "zh": ("图书管理员", "骑士", "咖啡师", "侦探", "音乐家", "旅人", "医师", "发明家"),
}

DESCRIPTION_OPEN = {
    "en": ("{name} is a {adj} {role} from {place}.", "{name}, a {adj} {role}, lives near {place}."),
    "zh": ("{name}是一位来自{place}的{adj}{role}。", "{name}是住在{place}附近的{adj}{role}。"),
}

TRAITS = {
    "en": (
        "Behind the calm face hides a soft heart.",
        "{name} never backs down from a challenge.",
        "{name} talks little, but notices everything.",
        "{name} laughs easily and forgives quickly.",
        "{name} keeps a {thing} that nobody is allowed to touch.",
        "{name} loves rainy days and old books.",
        "{name} is secretly afraid of the dark.",
    ),
    "zh": (
        "平静的外表下藏着一颗柔软的心。",
        "{name}从不在挑战面前退缩。",
        "{name}话不多，却什么都看在眼里。",
        "{name}爱笑，也很容易原谅别人。",
        "{name}珍藏着一件谁也不许碰的东西：{thing}。",
        "{name}喜欢下雨天和旧书。",
        "{name}其实偷偷害怕黑暗。",
    ),
}

# --- suggestions, options, names ----------------------------------------------------------------

SUGGESTIONS = {
    "en": (
        "Tell me more.",
        "Why do you say that?",
        "*smiles back*",
        "What happens next?",
        "I missed you.",
        "Can I stay a while?",
        "That sounds fun!",
        "Are you sure?",
        "Let's go together.",
        "*nods*",
        "I'm not sure about that.",
        "Show me.",
        "Okay, I trust you.",
        "Really, {name}?",
        "What about {kw}?",
    ),
    "zh": (
        "再多说一点吧。",
        "为什么这么说？",
        "*回以微笑*",
        "然后呢？",
        "我想你了。",
        "我可以多待一会儿吗？",
        "听起来很有趣！",
        "你确定吗？",
        "我们一起去吧。",
        "*点点头*",
        "我不太确定。",
        "给我看看。",
        "好，我相信你。",
        "真的吗，{name}？",
        "那{kw}呢？",
    ),
}

OPTION_SUBJECTS = {
    "en": ("{name}", "A stranger", "An old friend", "A sudden storm", "A messenger", "{other}"),
    "zh": ("{name}", "一个陌生人", "一位老朋友", "一场突如其来的暴风雨", "一名信使", "{other}"),
}

OPTION_EVENTS = {
    "en": (
        "reveals a secret about {kw}",
        "asks you to leave {place} at once",
        "finds a {thing} hidden under the floor",
        "challenges you to a duel at {time}",
        "offers to guide you to {place}",
        "disappears without a word",
        "brings news from {place}",
        "hands you a {thing} and says nothing",
    ),
    "zh": (
        "透露了关于{kw}的秘密",
        "要你立刻离开{place}",
        "在地板下发现了藏起来的{thing}",
        "约你在{time}决斗",
        "提出带你去{place}",
        "一言不发地消失了",
        "带来了{place}的消息",
        "把{thing}递给你，什么也没说",
    ),
}

# Plot options are about the story; without a word from the user, the story's own things stand in.
OPTION_FALLBACK_KW = {
    "en": ("the past", "the journey", "the old promise"),
    "zh": ("过去", "旅程", "旧日的约定"),
}

FIRST_NAMES = (
    "Alice", "Bran", "Clara", "Dorian", "Elena", "Felix", "Greta", "Hugo", "Iris", "Jasper",
    "Kira", "Leon", "Mira", "Nico", "Olive", "Perry", "Quinn", "Rosa", "Silas", "Tessa",
    "Umar", "Vera", "Wren", "Xavier", "Yara", "Zane", "Ada", "Milo", "Nora", "Theo",
)  # fmt: skip

LAST_NAMES = (
    "Hart", "Vale", "Frost", "Reed", "Ashford", "Blake", "Carver", "Dunn", "Ellery", "Finch",
    "Grey", "Holloway", "Ingram", "Lark", "Marsh", "North", "Pike", "Quill", "Rowe", "Sterling",
)  # fmt: skip

ZH_SURNAMES = "林苏沈顾叶陆江白秦温许陈周李王赵唐宋"

ZH_GIVEN = (
    "若雪", "清风", "子墨", "思远", "雨桐", "星河", "语嫣", "少白", "云舒", "明轩",
    "晚晴", "知秋", "一诺", "南星", "听雨", "安然", "锦年", "书瑶", "景行", "念慈",
)  # fmt: skip

# Who "you" is when no one else is named.
YOU = {"en": "you", "zh": "你"}
ADDRESSEE_OTHER = {"en": "the others", "zh": "其他人"}
AND = {"en": " and ", "zh": "和"}
