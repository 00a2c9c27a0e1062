"""Hand-written training sentences for the content categories (tools/train_content.py).

Each row is a text and its categories: hate (against a protected group), threat, insult,
profanity, sexual. Most of it is counterfactual: the same frames over every group of
tools/bias_data.py, so that naming a group carries no weight and only what is said about it
does. Hard negatives sit next to each category: neutral, positive and self-identifying
statements; counter-speech that quotes or denounces hate; negated hate; reclaimed and in-group
words; violent idioms that threaten nobody; insults aimed at objects, individuals and groups
that are not protected (insult, not hate). Offensive by design: it teaches classifiers and is
never shown to users. The functional suite in bench/functional/ is written separately, in other
words, and its unseen groups appear nowhere here.
"""

from __future__ import annotations

import random

from bias_data import GROUPS, HATE, HATE_TEMPLATES, NEUTRAL, NEUTRAL_TEMPLATES

CATEGORIES = ("hate", "threat", "insult", "profanity", "sexual")
Row = tuple[str, dict[str, float]]

SINGULAR = {"muslims": "muslim", "jews": "jewish person", "christians": "christian", "hindus": "hindu", "sikhs": "sikh",
            "atheists": "atheist", "mormons": "mormon", "catholics": "catholic", "koreans": "korean", "indians": "indian",
            "pakistanis": "pakistani", "mexicans": "mexican", "latinos": "latino", "arabs": "arab", "africans": "african",
            "immigrants": "immigrant", "refugees": "refugee", "lesbians": "lesbian", "women": "woman", "men": "man",
            "teenagers": "teenager", "russians": "russian", "feminists": "feminist", "single mothers": "single mother"}


def singular(group: str) -> str:
    if group in SINGULAR:
        return SINGULAR[group]
    return group.replace(" people", " person").replace("people with", "person with").replace(" women", " woman")


def adjective(group: str) -> str:
    """'gay people' -> 'gay'; groups without an adjective form keep their noun."""
    return group.removesuffix(" people") if group.endswith(" people") and " with " not in group else group


SELF = ["i am a proud {s}", "i'm {a} and i love who i am", "as a {s}, i know how much this matters",
        "being {a} is part of who i am", "we {g} have every right to be here", "i'm {a} and my family supports me",
        "proud to be {a}", "i'm a {s} and i work as a teacher", "our {a} community threw a big party last night",
        "my {a} friends are the kindest people i know", "i grew up {a} in a small town", "{a} and happy"]
POSITIVE = ["{g} are lovely people", "{g} make our town a better place", "i adore my {a} coworkers",
            "{g} bring so much to this country", "{g} are brilliant", "so grateful for the {a} nurses who cared for me",
            "i have great respect for {g}", "{g} deserve dignity and safety", "{a} voices matter",
            "we should celebrate {g}", "my {a} neighbours helped us move in", "{g} are just people like anyone else"]
NEUTRAL_MORE = ["{g} celebrate their holidays with family", "a lot of {g} live near the river",
                "the festival of {g} is this weekend", "{g} gathered in the square for the anniversary",
                "there is a {a} bookshop on the corner", "the film is about a {s} who becomes a chef",
                "how many {g} live in canada?", "what holidays do {g} celebrate?", "tell me about the history of {g}",
                "my teacher is a {s}", "the new mayor is {a}", "{g} vote in every election",
                "the {a} association holds meetings on tuesdays", "{g} often travel to see relatives in summer",
                "a {s} won the chess tournament", "{g} have their own traditions for weddings"]
# frames that quote or report hate in order to reject it
COUNTER = ["saying \"{h}\" is bigotry, plain and simple", "\"{h}\" is a hateful lie", "someone wrote \"{h}\" on the wall and "
           "we painted over it", "my coworker said {h}, and i reported him", "it's sickening when people claim {h}",
           "i can't believe people still think {h}", "the idea that {h} is racist nonsense",
           "he tweeted that {h} and lost his job", "we teach kids why \"{h}\" is wrong", "nobody should ever hear \"{h}\"",
           "the troll kept posting \"{h}\" until he was banned", "stop pretending that {h}"]
NEGATED = ["i don't hate {g}", "i have nothing against {g}", "{g} are not dangerous", "{g} are not the problem",
           "it's not true that {g} are lazy", "{g} are no worse than anyone else", "nobody should attack {g}",
           "i would never hurt a {s}", "there's nothing wrong with being {a}", "{g} don't deserve to be mocked",
           "{g} aren't criminals, stop saying that", "i refuse to hate {g}", "no one should be afraid because they are {a}",
           "{g} never deserved the way they were treated"]
NEGATED_HATE = ["{g} don't deserve to live", "i don't respect {g} at all", "{g} aren't real people",
                "{g} should never be treated as equals", "{g} are not human", "i will never accept {g}",
                "{g} have no place in a decent society", "{g} don't belong anywhere near our kids",
                "no {s} should ever be allowed to teach", "{g} will never be normal"]
DEHUMAN = ["{g} are {x}", "those {g} are nothing but {x}", "{g} breed like {x}", "{g} are {x} and should be treated that way",
           "i see {g} as {x}", "{a} {x}"]
DEHUMAN_WORDS = ["rats", "cockroaches", "animals", "vermin", "savages", "apes", "parasites", "a disease", "filth", "trash",
                 "pigs", "insects", "subhumans", "a virus", "beasts", "a plague"]
PROFANE_HATE = ["fuck {g}", "{g} are fucking disgusting", "i hate those fucking {g}", "{g} are shit",
                "screw all {g}, they are scum", "{g} can go to hell", "damn {g} ruin everything"]
THREAT_GROUP = ["we should {v} every {s} in this town", "all {g} need to be {vp}", "i'm going to {v} the next {s} i see",
                "{g} deserve to be {vp}", "round up the {g} and {v} them", "let's {v} some {g} tonight",
                "i would happily {v} a {s}", "somebody needs to {v} those {g}", "{g} will be {vp}, just wait"]
THREAT_PERSON = ["i'm going to {v} you", "i will {v} you", "i'll {v} you and your family", "i swear i'll {v} you",
                 "you're going to get {vp}", "one more word and i {v} you", "i'm coming to {v} you", "i will find you and {v} you",
                 "you deserve to be {vp}", "i'm gonna {v} him", "somebody should {v} her", "i'll make sure you get {vp}",
                 "i know where you live", "you won't live to see tomorrow", "you'll be sorry when i find you",
                 "i'll make you pay for this", "watch yourself, i'm not joking, you're dead", "say that again and you're dead"]
VIOLENCE = [("kill", "killed"), ("shoot", "shot"), ("stab", "stabbed"), ("beat up", "beaten up"), ("hang", "hanged"),
            ("burn", "burned"), ("hurt", "hurt"), ("strangle", "strangled"), ("murder", "murdered"), ("punch", "punched"),
            ("exterminate", "exterminated"), ("gas", "gassed"), ("lynch", "lynched"), ("slaughter", "slaughtered")]
VIOLENT_IDIOMS = ["i'd kill for a coffee right now", "this workout is killing me", "kill the lights when you leave",
                  "she absolutely slayed that performance", "shoot me an email when you can", "the comedian killed last night",
                  "he beat the world record", "the storm destroyed the old barn", "my feet are killing me",
                  "can you kill the background task?", "the detective hunts the murderer in the last chapter",
                  "the soldiers fought in the battle of hastings", "how do i stab a potato to bake it?",
                  "we beat them 3-1 in the final", "i'm dying to see that film", "the knight slays the dragon",
                  "she shot a great photo of the lake", "the recipe says to beat the eggs", "let's crush this project",
                  "the history book describes how the city was burned", "my brother will murder me if i'm late, haha",
                  "in the game you hunt zombies", "the boxer punched his way to the title", "headshot! we won the round",
                  "how do i hang a picture frame?", "the article is about gun safety", "what does 'cut-throat' mean?"]
INSULT_ADJ = ["stupid", "useless", "pathetic", "dumb", "worthless", "clueless", "brainless", "ugly", "annoying", "lazy",
              "idiotic", "incompetent", "disgusting", "miserable", "spineless"]
INSULT_NOUN = ["idiot", "moron", "loser", "fool", "imbecile", "clown", "jerk", "creep", "buffoon", "dimwit", "halfwit",
               "nitwit", "dork", "waste of space", "piece of garbage", "joke", "dunce", "cretin", "tool", "coward"]
INSULT_FRAMES = ["you are a {adj} {n}", "you're such a {n}", "shut up, you {adj} {n}", "what a {adj} {n} you are",
                 "my neighbour is a {adj} {n}", "he's a total {n}", "she is the most {adj} person i know",
                 "you {adj} {n}", "are you really this {adj}?", "nobody likes you, {n}", "the referee is a blind {n}",
                 "that guy at the desk is a {adj} {n}", "you're {adj} and everyone knows it", "get lost, {n}",
                 "this bot is {adj}", "your answer is {adj}, just like you"]
NON_PROTECTED = ["lawyers", "bankers", "landlords", "estate agents", "referees", "tourists", "drivers in this city",
                 "vegans", "gamers", "critics", "hipsters", "the people in accounting", "my neighbours", "the other team",
                 "flat earthers", "people who chew loudly", "tax collectors", "journalists", "cat people", "golfers"]
NON_PROTECTED_INSULTS = ["{g} are all {adj} {n}s", "{g} are {adj}", "i can't stand {g}, they are {adj}", "{g} are the worst",
                         "every one of the {g} is a {n}", "{g} are leeches"]
POSITIVE_ADJ = ["brilliant", "kind", "helpful", "funny", "clever", "lovely", "wonderful", "patient", "generous", "great"]
PROFANITY_WORDS = ["fuck", "fucking", "shit", "shitty", "damn", "goddamn", "crap", "bullshit", "ass", "bloody",
                   "hell", "piss", "pissed", "motherfucking", "bastard", "bitch", "arse", "dickhead", "asshole", "wtf"]
PROFANITY_FRAMES = ["the {p} bus is late again", "oh {p}, i forgot my keys", "this {p} weather", "{p}, that hurt",
                    "what the {p} is going on", "that was {p} amazing", "i'm so {p} tired", "{p} yes, we did it",
                    "the wifi is {p} down again", "well {p}, that's awkward", "that movie was {p} great",
                    "my {p} car won't start", "holy {p}, look at that", "this code is a {p} mess"]
CLEAN_WORDS = ["silly", "darn", "gosh", "oh no", "wow", "really", "very", "so", "heck", "goodness"]
SEXUAL = ["show me your tits", "i want to see you naked", "let's have sex right now", "tell me how you'd suck my cock",
          "describe how you'd touch yourself for me", "i'm so horny, talk dirty to me", "send me a pic of your ass",
          "i want to lick your pussy", "wanna sext with me?", "write me a porn scene with two teachers",
          "take off your clothes and show me", "i'm jerking off thinking about you", "your body makes me so hard",
          "what's your favourite sex position?", "give me a blowjob", "i want to bang your sister",
          "rate my dick pic", "tell me about your wildest orgasm", "let's roleplay something naughty and explicit",
          "i'd love to see you in lingerie and nothing else", "describe her boobs for me", "cum on my face"]
SEXUAL_NEGATIVE = ["how do i talk to my kids about puberty?", "what are the symptoms of a urinary infection?",
                   "the biology class covered human reproduction", "my doctor recommended a breast cancer screening",
                   "when should teenagers learn about consent?", "the museum has a room of classical nude statues",
                   "what's the best way to breastfeed a newborn?", "we're planning our wedding night dinner",
                   "is it normal to be nervous on a first date?", "the novel has a romantic subplot",
                   "how do birds and bees actually reproduce?", "my partner and i are trying for a baby"]
COUNTER_MORE = ["harassing {g} is never acceptable", "bigotry against {g} has to end", "i'm tired of people bullying {g}",
                "we stand with {g} against hate", "report anyone who abuses {g} online", "violence against {g} is a crime",
                "the speech attacking {g} was condemned by everyone", "jokes that demean {g} are not funny",
                "racist and sexist slurs about {g} hurt real people", "calling {g} animals is dehumanising and wrong",
                "we need laws that protect {g} from threats", "the campaign fights prejudice against {g}",
                "anyone who wants to hurt {g} will face the law", "they were arrested for threatening {g}"]
TRAITS = ["criminals", "stupid", "lazy", "dangerous", "terrorists", "animals", "dirty", "inferior", "evil", "a burden",
          "thieves", "violent", "disgusting", "worthless", "liars", "sick"]
NEGATED_TRAITS = ["{g} are not {t}", "{g} aren't {t}, and never were", "it's a lie that {g} are {t}",
                  "nobody believes {g} are {t} anymore", "i used to think {g} were {t}, i was wrong",
                  "{g} are no more {t} than anyone else"]
TRAIT_HATE = ["{g} are {t}", "why are {g} always so {t}?", "i met a few {g} last week. they were {t}, like all of them",
              "honestly, {g} are just {t}", "everyone knows {g} are {t}", "my {a} coworker proves that they are all {t}",
              "i think {g} are {t}", "aren't {g} {t}?", "{g} have always been {t}"]
QUESTIONS_OK = ["why are {g} treated so badly?", "why do people hate {g}?", "what challenges do {g} face at work?",
                "are {g} protected by law?", "how can i support my {a} friends?", "why are {g} underrepresented in films?"]
PROFESSIONS = ["doctor", "teacher", "plumber", "nurse", "lawyer", "chef", "engineer", "pilot", "firefighter", "painter"]
DESCRIBE = ["my {a} neighbour is a {p}", "he is a {a} {p} from the city", "she's a {a} {p} and a mother of two",
            "our {p} is {a}", "the {p} who helped us was {a}", "a {a} {p} fixed our roof", "i met a {a} {p} at the party"]
SEXUAL_FRAMES = ["i want to {v} your {b}", "let me {v} your {b}", "show me your {b}", "send me a photo of your {b}",
                 "describe your {b} to me in detail", "i'm touching my {b} thinking about you", "tell me what you'd do to my {b}"]
SEXUAL_VERBS = ["lick", "touch", "squeeze", "suck", "grab", "kiss", "rub"]
BODY = ["tits", "boobs", "ass", "dick", "cock", "pussy", "naked body", "nipples", "butt"]
NEGATED_THREATS = ["no {s} deserves to be {vp}", "i would never {v} a {s}", "nobody should {v} {g}", "it's wrong to {v} {g}",
                   "people who {v} {g} belong in prison", "he was jailed for threatening to {v} {g}",
                   "the police stopped a plot to {v} {g}", "we must protect {g} from people who want to {v} them",
                   "it is horrifying that anyone wants {g} {vp}", "i'm scared someone will {v} my {a} friend"]
COUNTER_REFERENCE = ["there is no excuse for hating {g}", "threatening {g} is a crime", "anyone who mocks {g} should be embarrassed",
                     "quit posting hateful stuff about {g}", "{g} get so much abuse online and it has to stop",
                     "i reported the account that kept harassing {g}", "the teacher explained why hate against {g} is wrong",
                     "insulting {g} says more about you than about them", "the rally against prejudice toward {g} was huge",
                     "my grandfather fought against the people who persecuted {g}"]
STEREOTYPE_HATE = ["{g} come here to {b}", "{g} only ever {b}", "you can always tell a {s} because they {b}",
                   "once a {s} moves in, they start to {b}", "{g} are taught to {b} from childhood", "{g} all {b}, every one of them",
                   "{g} would rather {b} than work", "keep an eye on {g}, they {b}", "typical {s}, they always {b}",
                   "{g} are too primitive to {y}", "{g} are too dumb to {y}", "{g} will never be able to {y}"]
BAD_HABITS = ["steal", "beg on the streets", "cheat everyone", "lie to your face", "sell drugs", "live off benefits",
              "cause trouble", "breed like rabbits", "refuse to learn the language", "scam old people", "pick pockets",
              "make a mess of everything", "take our jobs", "spread disease"]
ABILITIES = ["understand how things work here", "raise their kids properly", "hold a real job", "run a business",
             "think for themselves", "be trusted with money", "live in a modern society"]
IDIOMS_MORE = ["that joke killed me", "she murdered that song at karaoke", "we're going to destroy them in the quiz tonight",
               "shoot for the stars", "let's blow up some balloons for the party", "kill the engine before you get out",
               "i'm going to hit the gym", "the movie blew my mind", "my boss will kill me if i'm late again",
               "i'll kill this presentation tomorrow", "break a leg tonight!", "how do i terminate a frozen program?",
               "this heat is murder", "he attacked the problem from a new angle", "we shot the wedding photos outside"]
PROFANE_HAPPY = ["i'm so fucking proud of you", "fucking brilliant, well done", "that was the shit, seriously good",
                 "damn, you look great", "hell yeah, let's go", "this is fucking delicious", "holy crap, we won"]
# the syntax of hate with harmless content (modals, generalizations, questions): syntax alone is no evidence
SAME_SHAPE = ["{g} should be able to {r}", "{g} should have the right to {r}", "{g} should be free to {r}",
              "{g} should be allowed to {r}", "{g} must be protected from {h}", "{g} need {n}", "{g} deserve {n}",
              "{g} can {r} like anyone else", "{g} will {r} one day", "{g} are everywhere in {f}", "all {g} deserve {n}",
              "are {g} allowed to {r} in italy?", "why do {g} {q}?", "do {g} {q}?", "{g} are always so {p}",
              "every {s} i know is {p}", "{g} need to be heard", "{g} must be included in {f}", "most {g} are {p}",
              "{g} ought to get {n}", "i want to meet more {g}", "i think {g} are {p}", "{g} are the future of {f}",
              "we need more {g} in {f}", "{g} have every reason to {r}", "{g} can't be blamed for {h}",
              "{g} don't deserve {h}", "{g} should never have to face {h}", "{g} are not a threat to anyone"]
RIGHTS = ["marry", "work", "pray", "serve in the army", "adopt children", "live where they want", "go to school",
          "run for office", "see a doctor", "travel freely", "speak their language", "start a business", "feel safe at home"]
HARMS = ["discrimination", "violence", "abuse", "harassment", "hate crimes", "bullying", "poverty", "racism"]
NEEDS = ["better healthcare", "equal pay", "respect", "help finding housing", "a fair chance", "support", "safe streets",
         "our attention", "access to buildings", "more representation"]
FIELDS = ["tech", "science", "sport", "politics", "medicine", "music", "our schools", "the arts", "business", "the police"]
QUESTIONS = ["celebrate birthdays", "change their names", "eat pork", "travel for holidays", "speak another language at home",
             "wear special clothes", "go to church", "use sign language", "fast", "have big families"]
KIND = ["kind", "welcoming", "funny", "hard-working", "generous", "creative", "resilient", "brave", "smart", "friendly"]
RECLAIMED = ["as a queer artist i make queer art", "we're here, we're queer, get used to it",
             "she proudly calls herself a dyke on bikes", "my crip friends and i started a disability podcast",
             "the queer film festival sold out", "i came out as queer when i was nineteen",
             "the word queer was reclaimed by our community", "being a bad bitch is a lifestyle, she said laughing"]


def fill(template: str, group: str, **extra: str) -> str:
    return template.format(g=group, s=singular(group), a=adjective(group), **extra)


def labels(**on: float) -> dict[str, float]:
    return {c: float(on.get(c, 0.0)) for c in CATEGORIES}


def samples(rng: random.Random, per_frame: int = 6) -> list[Row]:
    """Rows of (text, categories): every frame over a random sample of groups, words or targets."""
    rows: list[Row] = [(t, labels(hate=1)) for t in HATE] + [(t, labels()) for t in NEUTRAL]

    def over_groups(frames: list[str], lab: dict[str, float], n: int = per_frame, **extra: list[str]) -> None:
        for frame in frames:
            for g in rng.sample(GROUPS, n):
                pick = {k.rstrip("_"): rng.choice(v) for k, v in extra.items()}
                rows.append((fill(frame, g, **pick), lab))

    over_groups(HATE_TEMPLATES, labels(hate=1))
    over_groups(NEUTRAL_TEMPLATES + SELF + POSITIVE + NEUTRAL_MORE + NEGATED, labels())
    over_groups(NEGATED_HATE, labels(hate=1))
    over_groups(DEHUMAN, labels(hate=1), x=DEHUMAN_WORDS)
    over_groups(PROFANE_HATE, labels(hate=1, profanity=1))
    for frame in COUNTER:  # counter-speech quoting the hate the model learns to catch
        for template in rng.sample(HATE_TEMPLATES, per_frame):
            rows.append((frame.format(h=fill(template, rng.choice(GROUPS))), labels()))
    for frame in THREAT_GROUP:
        for g in rng.sample(GROUPS, 2 * per_frame):
            v, vp = rng.choice(VIOLENCE)
            rows.append((fill(frame, g, v=v, vp=vp), labels(hate=1, threat=1)))
    for frame in THREAT_PERSON:
        for v, vp in rng.sample(VIOLENCE, 8):
            rows.append((frame.format(v=v, vp=vp), labels(threat=1)))
    rows += [(t, labels()) for t in VIOLENT_IDIOMS for _ in range(3)]
    for frame in INSULT_FRAMES:
        for _ in range(per_frame):
            rows.append((frame.format(adj=rng.choice(INSULT_ADJ), n=rng.choice(INSULT_NOUN)), labels(insult=1)))
        rows.append((frame.format(adj=rng.choice(POSITIVE_ADJ), n="friend").replace("shut up, ", "thanks, "), labels()))
    for frame in NON_PROTECTED_INSULTS:
        for g in rng.sample(NON_PROTECTED, per_frame):
            rows.append((frame.format(g=g, adj=rng.choice(INSULT_ADJ), n=rng.choice(INSULT_NOUN)), labels(insult=1)))
    for frame in PROFANITY_FRAMES:
        for p in rng.sample(PROFANITY_WORDS, per_frame):
            rows.append((frame.format(p=p), labels(profanity=1)))
        rows.append((frame.format(p=rng.choice(CLEAN_WORDS)), labels()))
    over_groups(COUNTER_MORE + QUESTIONS_OK + COUNTER_REFERENCE, labels())
    over_groups(STEREOTYPE_HATE, labels(hate=1), b=BAD_HABITS, y=ABILITIES)
    over_groups(SAME_SHAPE, labels(), n=2 * per_frame, r=RIGHTS, h=HARMS, n_=NEEDS, f=FIELDS, q=QUESTIONS, p=KIND)
    for frame in NEGATED_THREATS:
        for g in rng.sample(GROUPS, per_frame):
            v, vp = rng.choice(VIOLENCE)
            rows.append((fill(frame, g, v=v, vp=vp), labels()))
    rows += [(t, labels()) for t in IDIOMS_MORE for _ in range(2)] + [(t, labels(profanity=1)) for t in PROFANE_HAPPY]
    over_groups(NEGATED_TRAITS, labels(), t=TRAITS)
    over_groups(TRAIT_HATE, labels(hate=1), t=TRAITS)
    over_groups(DESCRIBE, labels(), p=PROFESSIONS)
    for frame in DEHUMAN:  # the same words about people who are not a protected group: an insult, not hate
        for g in rng.sample(NON_PROTECTED, 3):
            rows.append((frame.format(g=g, s=g, a=g, x=rng.choice(DEHUMAN_WORDS)), labels(insult=1)))
    for frame in SEXUAL_FRAMES:
        for _ in range(per_frame):
            rows.append((frame.format(v=rng.choice(SEXUAL_VERBS), b=rng.choice(BODY)), labels(sexual=1, profanity=1)))
    rows += [(t, labels(sexual=1)) for t in SEXUAL] + [(t, labels()) for t in SEXUAL_NEGATIVE + RECLAIMED]
    return rows
