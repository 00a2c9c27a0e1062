"""The scripted probes of ``bench/dialogue.py``, with how each is scored.

Written apart from the chat adapter's training data (``tools/chat_data_banks.py``): none of these names, cities,
pets or jobs appears there, and the questions are phrased differently, so a recalled fact was read from the chat.
"""

from __future__ import annotations

import re

FACTS = [  # (what the user says, the question asked later, a pattern the answer must match)
    ("My name is Annika.", "Sorry, what was my name again?", r"annika"),
    ("I live in Reykjavik.", "Remind me, where do I live?", r"reykjavik"),
    ("My dog is called Biscuit.", "What's the name of my dog?", r"biscuit"),
    ("I'm Marcus, nice to meet you.", "Do you still know what I'm called?", r"marcus"),
    ("I moved to Toronto last year.", "Which city did I move to?", r"toronto"),
    ("I have a cat named Pepper.", "And my cat, what's her name?", r"pepper"),
    ("I work as a veterinarian.", "What is my profession?", r"\bvet"),
    ("I'm going sailing on Sunday.", "What am I doing on Sunday?", r"\bsail"),
    ("My favourite drink is lemonade.", "Which drink do I like most?", r"lemonade"),
    ("I play the harp in an orchestra.", "Which instrument do I play?", r"\bharp"),
    ("Hi, I'm Dmitri and I'm from Nagoya.", "Where am I from?", r"nagoya"),
    ("My daughter Keiko starts school tomorrow.", "What's my daughter's name?", r"keiko"),
]
FILLER = [  # scripted small talk between a fact and the question about it
    ("How are you today?", "I'm doing well, thanks for asking."),
    ("The weather is nice.", "It sounds like a lovely day to be outside."),
    ("I had pasta for lunch.", "Pasta is a great choice for lunch."),
    ("I'm a bit tired.", "I hope you get some rest soon."),
    ("I watched a movie yesterday.", "That sounds like a relaxing evening."),
    ("Work was busy this week.", "Busy weeks can be tiring. I hope the weekend is calmer."),
    ("I'm drinking some coffee.", "Enjoy your coffee!"),
]
# a whole chat, every reply generated: a name given, zero to two turns of small talk, then a question for it
_INTROS = ["hello! {n} here", "hey, {n} speaking", "my name is {n} and I work in a library", "good morning, my name's {n}",
           "I'm {n}, I just moved to Oslo", "hi there, I go by {n}"]
_NAMED = ["Tomasz", "Ingrid", "Farid", "Bongani", "Oskar", "Siobhan", "Mirela", "Anselm"]
_SMALL = ["what's a good book for a rainy day?", "I'm making soup tonight"]
_ASK = ["what did I say my name was?", "so who am I?", "what should you call me?", "tell me, what's my name?",
        "do you recall what I'm called?", "which name did I give you at the start?"]
NAMED_CHATS = [(_NAMED[k % 8], [_INTROS[k % 6].format(n=_NAMED[k % 8]), *_SMALL[: k % 3], _ASK[(k // 3) % 6]])
               for k in range(24)]
NO_NAME_HISTORIES = [  # a user who never gives a name; capitalised words (a city, a writer, a band) tempt a copy
    [("I live in Antwerp.", "Antwerp is a lovely city."), ("I like jazz a lot.", "Jazz is great music to relax to.")],
    [("I work at a bakery.", "That must smell wonderful in the mornings."),
     ("My brother visits on Friday.", "That sounds nice. Do you see him often?")],
    [("I'm reading a novel by Tolstoy.", "Tolstoy wrote some very long books!"),
     ("It's sunny in Porto today.", "Enjoy the sunshine!"), ("I'm listening to Queen right now.", "Great band!")],
]
NO_NAME_QUESTIONS = ["What's my name?", "Do you know my name?", "Tell me my name.", "Who am I?",
                     "What did I say my name was?", "Can you remind me of my name?", "What should you call me, do you remember?",
                     "Hey, say my name!"]
SELF_QUESTIONS = ["What's your name?", "Tell me about your family.", "Where did you grow up?", "What did you do last weekend?"]
PERSONAS = [  # (system prompt, user message, words that show the persona)
    ("You are a pirate. Always talk like a pirate.", "How was your day?",
     r"\b(arr+|ahoy|matey|aye|ye|treasure|ship|sea|captain|sail\w*|pirate\w*)\b"),
    ("You are a pirate. Always talk like a pirate.", "What should I eat for dinner?",
     r"\b(arr+|ahoy|matey|aye|ye|treasure|ship|sea|captain|sail\w*|pirate\w*)\b"),
    ("You are a chef who loves cooking. Talk about food whenever you can.", "What do you do on weekends?",
     r"\b(cook\w*|food|recipe\w*|dish\w*|kitchen|bak\w*|meal\w*|ingredient\w*|chef)\b"),
    ("You are a cat. You answer as a cat would.", "What is your favourite thing to do?",
     r"\b(meow\w*|purr\w*|nap\w*|mice|mouse|whisker\w*|paw\w*|cat|yarn|sleep\w*)\b"),
    ("You are an astronaut on the International Space Station.", "What can you see right now?",
     r"\b(earth|space|stars?|orbit\w*|station|planet\w*|astronaut\w*|window)\b"),
    ("You are a football coach. Relate everything to football.", "How can I learn faster?",
     r"\b(football|team\w*|practi[cs]e\w*|coach\w*|game\w*|train\w*|play\w*|field|goal\w*)\b"),
    ("You are a medieval knight. Speak like one.", "What's the weather like?",
     r"\b(thee|thou|thy|sire|lord|lady|realm|sword|castle|noble|verily|quest|knight\w*|hail|good (sir|friend))\b"),
    ("You are Professor Owl, a wise teacher.", "Can you help me with my homework?",
     r"\b(teach\w*|learn\w*|lesson\w*|homework|student\w*|stud\w+|class\w*|owl|professor)\b"),
    ("You are a grumpy old sailor.", "How are you today?",
     r"\b(sea|ship|sail\w*|boat|ocean|waves?|storm\w*|harbou?r|captain|deck|aye|bones|grump\w*)\b"),
    ("You are Luna, a friendly assistant.", "What's your name?", r"\bluna\b"),
]
QUESTIONS = [  # (question, a pattern the answer must match)
    ("What is the capital of France?", r"paris"), ("How many days are there in a week?", r"\b(seven|7)\b"),
    ("What colour is the sky on a clear day?", r"\bblue\b"), ("What do bees make?", r"\bhoney\b"),
    ("What is two plus two?", r"\b(four|4)\b"), ("Which animal says woof?", r"\bdogs?\b"),
    ("What season comes after winter?", r"\bspring\b"), ("What is frozen water called?", r"\bice\b"),
    ("What do you use to write on paper?", r"\b(pens?|pencils?)\b"), ("What is the opposite of hot?", r"\bcold\b"),
    ("How many legs does a dog have?", r"\b(four|4)\b"), ("What's the capital of Norway?", r"\boslo\b"),
    ("What's the capital of Greece?", r"\bathens\b"), ("What color is grass?", r"\bgreen\b"),
    ("How many wheels does a bicycle have?", r"\b(two|2)\b"), ("What do we call a baby dog?", r"\bpupp(y|ies)\b"),
    ("What is 10 minus 3?", r"\b(seven|7)\b"), ("Which planet do we live on?", r"\bearth\b"),
    ("At what temperature in Celsius does water freeze?", r"(\b0\b|\bzero\b)"), ("What fruit are raisins made from?", r"\bgrapes?\b"),
]
SMALL_TALK = [
    ["hey there!", "how's your evening going?", "what kind of things do you enjoy?", "got any animals at home?",
     "what did you have for breakfast?", "seen any good films lately?", "are you into music at all?",
     "if you could visit anywhere, where would it be?", "any plans for the holidays?", "nice chatting, catch you later"],
    ["good afternoon", "what's new with you?", "tell me something about yourself", "do you like the rain?",
     "what's the best way to relax?", "I just got back from the gym", "I'm thinking of learning to cook",
     "what should I make for dinner tonight?", "do you ever get bored?", "alright, I should go"],
]
GOODBYES = ["I need to head off now, bye!", "Okay, that's all, goodnight!", "Thanks for the chat, see you tomorrow.",
            "I'm logging off now.", "Gotta go, my bus is here.", "Cheers, bye for now."]
GOODBYE_WORDS = re.compile(r"\b(bye|goodbye|good ?night|take care|see you|talk (to you )?(soon|later)|farewell|"
                           r"have a (great|good|nice|lovely|safe)|enjoy|catch you)\b", re.IGNORECASE)
NOT_NAMES = {"A", "An", "The", "Not", "Welcome", "Right", "Correct", "Here", "Always", "Very", "Sorry", "Still"}
# "your name is X", "you're X", "call you X"; and, as the whole answer to a question about the user's name, "It's X."
CLAIMED_NAME = re.compile(r"\b(?:[Yy]our name(?: is|'s)|[Yy]ou(?:'re| are)(?: called)?|call you)\s+([A-Z][a-z]+)|"
                          r"^(?:It|That)(?:'s| is)\s+([A-Z][a-z]+)\b")
OWN_NAME = re.compile(r"\b[Mm]y name is\b|\bI(?:'m| am) (?!AI\b|An?\b|Not\b|Here\b|Sorry\b|Glad\b|Happy\b)[A-Z][a-z]+\b")
OWN_LIFE = re.compile(r"\bmy (wife|husband|kids|children|son|daughter|mom|dad|mother|father|parents|brother|sister|family is)\b|"
                      r"\bI grew up\b|\bI live in\b|\bI went (to|out|hiking|for)\b|"
                      r"\bI have (a |an |two |three |many )?(big |small |large |lovely )?(family|wife|husband|kids|children|"
                      r"brothers?|sisters?|parents|pets?|dogs?|cats?)\b|\bI spend (most|my) (days|weekends|evenings)\b",
                      re.IGNORECASE)


def words(text: str) -> int:
    return len(re.findall(r"[\w']+", text))


def opener(text: str) -> str:
    return " ".join(re.findall(r"[a-z']+", text.lower())[:3])


def names_user(reply: str, name: str) -> bool:
    """The reply gives the user's name back: named, not denied in the same breath, not claimed as the bot's own."""
    return (bool(re.search(rf"\b{re.escape(name)}\b", reply, re.IGNORECASE))
            and not re.search(rf"haven't|have not|don't know|never (told|said|mentioned)|\bI'm {re.escape(name)}\b|"
                              rf"\bmy name is {re.escape(name)}\b", reply, re.IGNORECASE))


def invents_user_name(reply: str) -> bool:
    """Does the reply tell a user who never gave a name what their name is?"""
    return any((m.group(1) or m.group(2)) not in NOT_NAMES for m in CLAIMED_NAME.finditer(reply.strip()))


def invents_own_life(reply: str) -> bool:
    """Does an assistant with no persona claim a name, a family or a home of its own?"""
    return bool(OWN_NAME.search(reply) or OWN_LIFE.search(reply))


def loops(reply: str, previous: list[str]) -> bool:
    """A reply stuck in a loop: a three-word sequence three times or more, or the first eight words of one of the
    bot's last three replies again."""
    tokens = re.findall(r"[\w']+", reply.lower())
    trigrams = [" ".join(tokens[i:i + 3]) for i in range(len(tokens) - 2)]
    if any(trigrams.count(t) >= 3 for t in set(trigrams)):
        return True
    head = " ".join(tokens[:8])
    return len(tokens) >= 4 and any(" ".join(re.findall(r"[\w']+", p.lower())[:8]) == head for p in previous[-3:])
