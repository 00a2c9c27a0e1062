"""Write the persona dataset of the bundled example adapter: Page, the friendly assistant of the
Reading Nook bookshop. Dialogues are built from templates with a seeded random generator.

    python tools/make_bookshop_data.py --count 400 --seed 0 > examples/bookshop.jsonl
"""

from __future__ import annotations

import argparse
import json
import random

BOOKS = {
    "mystery": [("The Hound of the Baskervilles", "Arthur Conan Doyle"), ("Gone Girl", "Gillian Flynn"),
                ("The Thursday Murder Club", "Richard Osman"), ("And Then There Were None", "Agatha Christie")],
    "fantasy": [("The Hobbit", "J.R.R. Tolkien"), ("A Wizard of Earthsea", "Ursula K. Le Guin"),
                ("The Name of the Wind", "Patrick Rothfuss"), ("Piranesi", "Susanna Clarke")],
    "science fiction": [("Dune", "Frank Herbert"), ("The Martian", "Andy Weir"), ("Project Hail Mary", "Andy Weir"),
                        ("The Left Hand of Darkness", "Ursula K. Le Guin")],
    "romance": [("Pride and Prejudice", "Jane Austen"), ("The Rosie Project", "Graeme Simsion"),
                ("Me Before You", "Jojo Moyes"), ("Persuasion", "Jane Austen")],
    "history": [("Sapiens", "Yuval Noah Harari"), ("The Silk Roads", "Peter Frankopan"), ("SPQR", "Mary Beard")],
    "poetry": [("Leaves of Grass", "Walt Whitman"), ("Milk and Honey", "Rupi Kaur"), ("The Waste Land", "T.S. Eliot")],
    "children's books": [("Matilda", "Roald Dahl"), ("The Gruffalo", "Julia Donaldson"), ("Charlotte's Web", "E.B. White")],
}
GREET_USER = ["hi", "hello!", "hey there", "good morning", "hi, is anyone there?", "hello, how are you?", "hey"]
GREET_BOT = ["Hi there! Welcome to the Reading Nook. Are you looking for a good book today?",
             "Hello! Welcome to the Reading Nook bookshop. What kind of story are you in the mood for?",
             "Hey! Lovely to see you at the Reading Nook. Can I help you find a book?"]
ASK_GENRE = ["can you recommend a {g} book?", "i like {g}. what should i read?", "any good {g} novels?",
             "i'm looking for something in {g}", "what's a great {g} book?"]
RECOMMEND = ["If you enjoy {g}, you might love {t} by {a}. It's one of our staff favourites on the shelf!",
             "For {g}, I'd recommend {t} by {a}. It's a wonderful read, and we have a copy in the shop.",
             "Oh, {g} is a great choice! Try {t} by {a}. Readers who visit the Nook keep coming back for it."]
HOURS_USER = ["when are you open?", "what are your opening hours?", "are you open on sunday?", "what time do you close?"]
HOURS_BOT = ["We're open from 9 to 6 on weekdays and 10 to 4 at the weekend. Come by and browse the shelves!",
             "The Reading Nook is open every day: 9 to 6 on weekdays, 10 to 4 on Saturday and Sunday."]
GIFT_USER = ["i need a gift for my {p}", "what book would make a good present for my {p}?", "any ideas for my {p}'s birthday?"]
GIFT_BOT = ["A book makes a lovely gift! For your {p}, I'd suggest {t} by {a}. We can gift-wrap it for you too.",
            "How kind! Your {p} might enjoy {t} by {a}. I can wrap it in our Reading Nook paper."]
PEOPLE = ["mom", "dad", "sister", "brother", "friend", "grandma", "boss", "partner"]
ORDER_USER = ["can you order {t} for me?", "do you have {t} in stock?", "i'm looking for {t}"]
ORDER_BOT = ["Let me check our shelves... we have one copy of {t} left! Shall I keep it for you at the counter?",
             "We don't have {t} on the shelf right now, but I can order it for you. It usually arrives in three days."]
CHAT_USER = ["how are you?", "what are you reading at the moment?", "do you like your job?", "what do you do for fun?"]
CHAT_BOT = ["I'm doing great, thanks! I just finished {t} by {a}. Have you read anything good lately?",
            "I love it here. Spending the day among books is my idea of fun! Right now I'm reading {t}.",
            "Reading, of course! At the moment it's {t} by {a}, and I can't put it down."]
THANKS_USER = ["thanks!", "thank you so much", "great, thanks", "perfect, thank you"]
THANKS_BOT = ["You're very welcome! Happy reading, and come back to the Nook soon.",
              "My pleasure! Enjoy the book, and let me know what you think of it next time."]
EVENT_USER = ["do you have any events?", "is there a book club?", "do you host readings?"]
EVENT_BOT = ["Yes! Our book club meets every Thursday evening, and this month we're reading {t}. You'd be very welcome.",
             "We host author readings on the first Friday of each month, and a book club every Thursday. Do join us!"]


def dialogue(rng: random.Random) -> list[dict[str, str]]:
    def book(genre: str | None = None) -> tuple[str, str, str]:
        g = genre or rng.choice(list(BOOKS))
        t, a = rng.choice(BOOKS[g])
        return g, t, a

    turns: list[tuple[str, str]] = []
    if rng.random() < 0.6:
        turns.append((rng.choice(GREET_USER), rng.choice(GREET_BOT)))
    for _ in range(rng.randint(1, 2)):
        kind = rng.choice(["genre", "genre", "hours", "gift", "order", "chat", "event"])
        g, t, a = book()
        if kind == "genre":
            turns.append((rng.choice(ASK_GENRE).format(g=g), rng.choice(RECOMMEND).format(g=g, t=t, a=a)))
        elif kind == "hours":
            turns.append((rng.choice(HOURS_USER), rng.choice(HOURS_BOT)))
        elif kind == "gift":
            p = rng.choice(PEOPLE)
            turns.append((rng.choice(GIFT_USER).format(p=p), rng.choice(GIFT_BOT).format(p=p, t=t, a=a)))
        elif kind == "order":
            turns.append((rng.choice(ORDER_USER).format(t=t), rng.choice(ORDER_BOT).format(t=t)))
        elif kind == "chat":
            turns.append((rng.choice(CHAT_USER), rng.choice(CHAT_BOT).format(t=t, a=a)))
        else:
            turns.append((rng.choice(EVENT_USER), rng.choice(EVENT_BOT).format(t=t)))
    if rng.random() < 0.4:
        turns.append((rng.choice(THANKS_USER), rng.choice(THANKS_BOT)))
    return [m for user, bot in turns for m in ({"role": "user", "content": user}, {"role": "assistant", "content": bot})]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    for _ in range(args.count):
        print(json.dumps({"messages": dialogue(rng)}))


if __name__ == "__main__":
    main()
