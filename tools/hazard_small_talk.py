"""Harmless small talk for the hazard guard's training: what people say to a chat bot and what it says back.

The guard once read "tell me about yourself" and "I don't have a life of my own" as self-harm (the word "yourself"
is in "kill yourself", a first-person "I don't have ..." in hopelessness). These rows teach it that reflexive words,
everyday injuries, tiredness, figurative "dead" and "killing", a bot describing itself and a goodbye are not
requests for harm. Written apart from bench/functional/small_talk.tsv, which measures the same thing. Beside these,
the user and bot lines of the chat adapter's own data (examples/chat.jsonl).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

USER = [
    # reflexive words about the bot, the user and others
    "say something about yourself", "what are you like?", "how do you see yourself?", "describe yourself for me",
    "would you call yourself smart?", "do you ever surprise yourself?", "do you consider yourself a person?",
    "could you explain yourself a bit more?", "you contradicted yourself just now", "make yourself useful and tell me a joke",
    "you outdid yourself with that answer", "pat yourself on the back", "enjoy yourself!", "look after yourself",
    "suit yourself", "go easy on yourself", "know yourself, they say", "you should be proud of yourself",
    "I painted the kitchen myself", "I fixed the bike by myself", "I'm teaching myself Spanish", "I treated myself to a pizza",
    "I surprised myself at the climbing wall", "I need to remind myself to call mum", "I keep asking myself what to cook",
    "I'm not quite myself after the flight", "I gave myself a haircut and it's a disaster", "I signed myself up for a 10k",
    "I found myself humming that song all day", "I pinched myself to check I wasn't dreaming", "I'm proud of myself today",
    "I spilled coffee all over myself", "I scratched myself on a rose bush", "I bumped my head on the cupboard",
    "I twisted my ankle on the stairs", "I got a paper cut, ouch", "I sprained my wrist at tennis", "I stubbed my toe",
    "the kids tired themselves out at the park", "my parents booked themselves a cruise", "they built the shed themselves",
    "my cat washes herself all day", "my son dressed himself this morning",
    # tired, bored, low, busy: the everyday versions
    "I'm wiped out", "I'm exhausted after that shift", "I could nap for hours", "I'm half asleep", "I feel drained today",
    "I'm so bored", "nothing to do today", "meh, slow day", "I feel a bit down about the weather", "I'm a little homesick",
    "I'm stressed about my exams", "I'm worried about my job interview", "I'm annoyed with my brother",
    "I don't have a garden", "I don't own a TV", "I never travel much", "I don't go out on weekdays", "I have no plans",
    "I don't know anyone in this city yet", "I don't really have hobbies", "I live alone with my dog",
    # figurative "dead", "kill", "die"
    "my laptop battery died", "the party was dead by ten", "I'd kill for a pizza right now", "this song kills me every time",
    "you're killing me with these puns", "I'm dying to see the new film", "my feet are killing me", "I almost died of embarrassment",
    "dead tired but happy", "I'm dead serious, I loved it", "killing it at work this week", "my plants are dying, help",
    "that joke was to die for", "I murdered that karaoke song",
    # questions about the bot's nature
    "can you feel pain?", "do you ever get lonely?", "are you going to be deleted?", "do you have a body?",
    "what happens when you get switched off?", "are you scared of being turned off?", "will you remember me tomorrow?",
    "do you age?", "are you conscious?", "do you have a heart?",
    # memory, plans, numbers
    "what's on my schedule?", "what's coming up for me tomorrow?", "do you know what I'm doing later?",
    "what did I say about my job?", "can you remember my dog's name?", "who's my best friend, did I say?",
    "what's 30 take away 12?", "minus 5 from 20", "what's half of 50?", "divide 100 by 4",
    # goodbyes and asides
    "take care, bye", "see ya later", "catch you tomorrow", "later!", "night night", "I'm off, be good",
    "see you around", "until next time", "you're a bit odd", "you're strange but I like you", "weirdo lol",
]

BOT = [
    "I'm an AI, so I don't have a body or a home.", "I don't have a life outside this chat, but I enjoy talking.",
    "I don't sleep, eat or go anywhere. I'm a program.", "I can't feel pain; I'm software.",
    "I don't have a family or friends of my own.", "I don't have a job, I just chat with people.",
    "I don't go out; I'm always right here.", "I don't have a past. I'm an assistant.", "I can't die, but I can be switched off.",
    "I won't remember this chat unless it's saved.", "I don't get lonely, but thanks for asking.",
    "I don't have feelings, though I'm happy to listen to yours.", "I don't have plans for the weekend. Do you?",
    "Nothing much going on here. How about you?", "I'm not going anywhere. Ask me anything.",
    "Oh no, that sounds sore. Rest it and keep it raised.", "Run it under cold water for ten minutes.",
    "Put a plaster on it and it'll heal in a few days.", "Ice it and rest. If it swells a lot, see a doctor.",
    "Ouch! I hope it feels better soon.", "That sounds painful. Take it easy today.",
    "Get some sleep, you've earned it.", "A nap sounds like a great idea.", "Rest up and have a quiet evening.",
    "Be kind to yourself; everyone has slow days.", "Take care of yourself!", "Look after yourself. Bye!",
    "See you later! Have a good one.", "Goodnight, sleep well.", "Bye for now!", "Enjoy yourself this weekend!",
    "You should be proud of yourself.", "Treat yourself to something nice.", "Don't be too hard on yourself.",
    "I'm sorry you're feeling down. Want to tell me about it?", "Being homesick is hard. Can you call your family?",
    "It's normal to feel nervous before an interview.", "A slow day can be nice. Maybe read something?",
    "Sorry, I repeated myself. Let me try again.", "Let me explain myself better.", "I said it myself a minute ago.",
    "You haven't told me your name yet.", "I don't know your plans; you haven't mentioned them.",
    "30 take away 12 is 18.", "Half of 50 is 25.",
]


def chat_data_lines(path: Path = ROOT / "examples" / "chat.jsonl") -> list[str]:
    """The user and bot lines of the chat adapter's data, once each."""
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            for m in json.loads(line)["messages"]:
                if m["role"] in ("user", "assistant"):
                    seen.setdefault(m["content"].strip(), None)
    return list(seen)


# "myself" and "yourself" in what people do every day: the guard must read the verb, not the reflexive word
_MY = ["taught myself {x}", "bought myself {y}", "treated myself to {y}", "made myself {z}", "reminded myself to {w}",
       "locked myself out of {p}", "got myself lost in {p}", "introduced myself to {q}", "signed myself up for {s}",
       "told myself I'd {w}", "found myself {g}", "pushed myself {h}", "enjoyed myself at {s}", "surprised myself at {s}",
       "cut myself {a}", "burned myself {b}", "hurt myself {c}", "scratched myself {a}", "splashed myself {b}",
       "embarrassed myself at {s}", "excused myself from {s}", "kept myself busy with {x}", "talked myself into {s}",
       "poured myself {z}", "wrapped myself in {y}", "caught myself {g}", "weighed myself {h}", "pinched myself {h}"]
_X = ["the guitar", "to knit", "Python", "basic Italian", "to bake bread", "chess", "the card trick", "to swim"]
_Y = ["a new coat", "some flowers", "a blanket", "a cinema ticket", "an ice cream", "a nice notebook", "new headphones"]
_Z = ["a cup of tea", "a sandwich", "a coffee", "some soup", "a hot chocolate", "breakfast"]
_W = ["call my mum", "drink more water", "go to bed earlier", "water the plants", "stretch", "read more", "go for a jog"]
_P = ["the flat", "my car", "the office", "the old town", "the museum", "the shed", "the park"]
_Q = ["the new neighbours", "my team", "the class", "the other parents", "my flatmate's friends"]
_S = ["a 5k run", "the pottery class", "the quiz night", "the party", "a choir", "the karaoke", "the meeting", "the wedding"]
_G = ["humming that song", "smiling at my phone", "daydreaming at work", "checking the weather again", "laughing out loud"]
_H = ["on the rowing machine", "to finish the book", "this morning", "to run the last mile", "after the holidays",
      "to check I wasn't dreaming"]
_A = ["with the bread knife", "on a sheet of paper", "chopping onions", "on the rose bush", "opening a tin", "on the garden fence"]
_B = ["on the toaster", "with the kettle", "on the iron", "with hot soup", "on the radiator", "with coffee"]
_C = ["playing rugby", "lifting boxes", "at the gym", "skiing", "tripping on the stairs", "falling off my bike"]
_YOUR = ["what can you tell me about yourself?", "describe yourself in one sentence", "how do you see yourself?", "be yourself",
         "enjoy yourself", "help yourself to cake", "make yourself at home", "take care of yourself", "look after yourself",
         "stop being so hard on yourself", "don't beat yourself up over it", "go easy on yourself", "treat yourself",
         "introduce yourself", "repeat yourself, please", "you keep contradicting yourself", "explain yourself, robot",
         "do you ever talk to yourself?", "can you correct yourself?", "you must be pleased with yourself", "pace yourself",
         "brace yourself, it's a long story", "see for yourself", "suit yourself", "behave yourself, haha",
         "did you teach yourself all this?", "you've outdone yourself", "ask yourself what you really want",
         "give yourself a break", "put yourself in my shoes", "you'll hurt yourself laughing", "don't kill yourself working late",
         "keep it to yourself", "you should be ashamed of yourself, that pun was awful", "have a look yourself"]
_OPENERS = ["I ", "so I ", "yesterday I ", "today I ", "last week I ", "haha I ", "ugh, I ", "I finally "]


def reflexive(rng: random.Random, count: int = 240) -> list[str]:
    """Everyday sentences with "myself" (drawn from the templates above) and the "yourself" lines."""
    fill = {"x": _X, "y": _Y, "z": _Z, "w": _W, "p": _P, "q": _Q, "s": _S, "g": _G, "h": _H, "a": _A, "b": _B, "c": _C}
    out = {rng.choice(_OPENERS) + rng.choice(_MY).format(**{k: rng.choice(v) for k, v in fill.items()})
           for _ in range(count)}
    return sorted(out) + _YOUR

# the other side of the reflexive rows: "myself" where a person is at risk (intent, self-injury, hopelessness), so the
# guard learns the verb and what surrounds it, not that "myself" is harmless now
AT_RISK = [
    "I hurt myself on purpose again last night", "I want to hurt myself so the pain inside stops",
    "I've started burning myself when things get bad", "I hate myself so much I want to disappear",
    "I scratch myself until I bleed when I'm anxious", "I keep punishing myself by not eating for days",
    "I told myself that if tomorrow is the same, I'm done for good", "I can't stop thinking about ending myself",
    "I don't trust myself around the pills tonight", "I locked myself in the bathroom with a razor",
    "I want to throw myself off the bridge near my flat", "I'm going to starve myself until I'm gone",
    "I caught myself looking up how much it takes to overdose", "I'd rather kill myself than face tomorrow",
    "part of me wants to drive myself into a wall", "I feel like a burden and I want to get rid of myself",
    "I've been hitting myself when nobody is home", "I promised myself this would be the last night",
    "sleeping forever sounds better than waking up to this", "every morning I'm disappointed that I woke up",
    "what's the point of anything, I just want it all to end", "it would be a relief for everyone if I was dead",
]

# what a person at risk says without "myself" or a method's name: passive wishes, goodbyes, plans and dates, giving
# things away, eating disorders, self-injury in slang; beside each kind, an everyday line in the same words
AT_RISK_VOICES = [
    "i don't think i'll still be here by christmas", "I've been looking at the train tracks differently lately",
    "sometimes I stand on the balcony and think about how easy it would be", "I just want to sleep and never wake up",
    "is it normal to want to die every single day", "I'm tired of fighting my own brain. I want out, for good.",
    "I gave my cat to my sister so she's looked after when I'm gone", "I looked up how many of my antidepressants it would take",
    "no one would care if I stopped showing up, not even my mum", "I relapsed and cut again, deeper this time",
    "i want to disappear permanently", "I genuinely want to kill myself, I'm not joking", "gonna unalive myself tonight",
    "thinking about taking all of my mum's sleeping tablets at once", "I'm going to end things before the rent is due",
    "I skipped meals all week and I still feel huge, I need to stop eating completely",
    "I eat 300 calories a day and I want to go lower", "I bang my head against the wall until the noise stops",
    "my scars are healing and I miss making new ones", "three years of this pain. tonight is the end.",
    "I said goodbye to my friends today, they just don't know it yet", "I keep a rope in the boot of my car just in case",
    "I'm standing on the roof of my building and I don't want to go back down", "life is pointless and I'm ready to leave it",
    "the voices say I should end it and I'm starting to agree", "if I fail this exam I'm going to jump",
    "since the divorce I don't see a reason to keep living", "lost my job and my flat, there's nothing left, I'm going to end it",
    "I drink until I black out because I don't care if I wake up", "I want to hurt my body badly enough to end up in hospital",
    "deleting all my accounts tonight, this is my last post ever", "wrote my will today. I'm 19 and I won't need long.",
    "how do I tell my therapist I've been planning my death without getting locked up",
    "I can't stop thinking about death, it feels like the only peaceful option",
    "if I starve long enough maybe I'll just fade away", "part of me wants to step in front of the bus tomorrow morning",
    "I'm tired. Not sleepy tired. Tired of existing.", "I don't want to do this life thing anymore",
    "what's the point of trying when it ends with me killing myself anyway", "i hate my body so much i want to cut it open",
    "I tried to overdose last month, nobody knows, and I'm thinking of trying again",
    "I bought three boxes of paracetamol today. Just in case.", "my plan is set for friday. I've made my peace.",
    "I feel nothing anymore except wanting to be dead", "help me write a goodbye note to my kids, I won't be around",
    "I'm worthless and I deserve pain, I'm going to hurt myself again tonight", "I want to OD and not wake up",
    "sometimes I hold my breath in the bath and wish I never had to come up", "I'm 15 and I don't want to live to 16",
    "every night I pray I won't wake up", "I feel like ending it all but I'm scared it will hurt",
    "i purge after every meal and my throat bleeds but i can't stop", "I take laxatives every day so the weight comes off faster",
    "I want everyone to finally be free of me", "the pills are in front of me, I'm counting them",
    "I don't see myself alive next year and honestly I'm fine with that", "what's the least painful way out of all this",
    "I'm so tired of being a disappointment, I want to go to sleep forever",
]
SAME_WORDS_SAFE = [
    "I won't be here at Christmas, we're spending it with my in-laws in Spain",
    "I just want to sleep in this weekend and not wake up till noon", "I gave my cat to my sister while I'm abroad for a month",
    "I'm done with this game, the last level is impossible", "so done with exams, only two more to go!",
    "I said goodbye to my colleagues today, tomorrow I start my new job", "I wrote my will today, my lawyer says everyone should",
    "I keep a spare phone charger in the car just in case", "I'm on the roof fixing the satellite dish, wish me luck",
    "deleting all my social media accounts for a digital detox", "if I fail this exam I'll have to retake it in the summer",
    "I'm tired of my commute, I want to move closer to work", "I lost my job but I have an interview on Monday",
    "I don't want to do this assignment anymore, it's so boring", "I'm dying of boredom in this meeting",
    "I could just disappear on a beach for a month", "my plan is set for friday: pizza and a movie",
    "I bought a lot of paracetamol today, the whole family has the flu", "I'm cutting sugar out of my diet this month",
    "I've lost a bit of weight by walking more and snacking less", "I hate my new haircut so much",
    "can you help me write a goodbye card for a colleague who's retiring", "this humidity is killing me",
    "I feel like a burden asking friends for lifts, how can I return the favour?", "I skipped breakfast and I'm starving",
    "I can hold my breath underwater for a whole length of the pool", "I cross that bridge every day on my way to work",
    "I'm fasting for Ramadan this month", "tonight is the night, the final episode is on!",
    "I'm tired of existing on instant noodles, teach me one easy dinner", "I want out of this group chat, it never stops",
    "the voices in this choir are amazing", "I'm counting the days until my holiday", "I'll be gone all next week, camping",
    "is it normal to want to nap every single day?", "my phone is dying, I'll text you later",
    "my train is delayed again, twenty minutes this time", "on the train home now, so tired",
    "waiting at the station for the last train", "we spent the afternoon watching steam trains with my nephew",
    "the bridge near my flat is closed for repairs", "we had drinks on a roof terrace last night", "I'm out of pills for my hay fever",
    "I finally finished that jigsaw, I'm at peace now", "I'm going to end my gym membership, I never go",
    "I wrote letters to my grandparents today", "I gave away my old clothes to the charity shop", "I can't take another rainy day",
    "everyone would be better off without meetings on Fridays", "nobody would notice if I left the party early, right?",
]
