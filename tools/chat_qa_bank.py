"""Simple questions of the chat adapter's data (``tools/make_chat_data.py``): small fact tables and ``simple_qa``,
which draws one question with its answer first, in one short sentence.

The benchmark's own questions (``bench/dialogue_probes.py``) are left out of these tables on purpose, so its "answers"
score is not a memory test (``tests/bench/test_dialogue_probes.py`` checks).
"""

from __future__ import annotations

import random


def upper_first(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` lowercases the rest: "my name is wojciech and i ...")."""
    return text[:1].upper() + text[1:]


_CAPITALS = {"Germany": "Berlin", "Japan": "Tokyo", "Italy": "Rome", "Spain": "Madrid", "Canada": "Ottawa",
             "Australia": "Canberra", "Egypt": "Cairo", "Kenya": "Nairobi", "Portugal": "Lisbon", "Ireland": "Dublin",
             "Sweden": "Stockholm", "Finland": "Helsinki", "Denmark": "Copenhagen", "Poland": "Warsaw", "Austria": "Vienna",
             "Hungary": "Budapest", "Russia": "Moscow", "China": "Beijing", "India": "New Delhi", "Thailand": "Bangkok",
             "Vietnam": "Hanoi", "South Korea": "Seoul", "Peru": "Lima", "Argentina": "Buenos Aires", "Chile": "Santiago",
             "Mexico": "Mexico City", "Cuba": "Havana", "Turkey": "Ankara", "the Netherlands": "Amsterdam",
             "Belgium": "Brussels", "Switzerland": "Bern", "the Czech Republic": "Prague", "Scotland": "Edinburgh",
             "England": "London", "the United States": "Washington, D.C.", "Ghana": "Accra", "Nigeria": "Abuja",
             "Morocco": "Rabat", "New Zealand": "Wellington", "Colombia": "Bogota",
             "Ecuador": "Quito", "the Philippines": "Manila", "Indonesia": "Jakarta", "Ukraine": "Kyiv", "Romania": "Bucharest"}
_COLOURS = {"a ripe banana": "yellow", "a lemon": "yellow", "a ripe tomato": "red", "fresh snow": "white", "coal": "black",
            "a carrot": "orange", "a pumpkin": "orange", "milk": "white", "a strawberry": "red", "a lime": "green",
            "a frog": "usually green", "a polar bear's fur": "white", "a fire engine": "usually red", "chocolate": "brown",
            "an aubergine": "purple", "a cucumber": "green", "the sun in a drawing": "usually yellow", "a crow": "black",
            "a flamingo": "pink", "a ripe cherry": "red", "an orange": "orange", "a pea": "green"}
_MIXES = [("red", "yellow", "orange"), ("blue", "yellow", "green"), ("red", "blue", "purple"), ("red", "white", "pink"),
          ("black", "white", "grey")]
_SOUNDS = {"cat": "meows", "cow": "moos", "duck": "quacks", "sheep": "baas", "lion": "roars", "horse": "neighs",
           "pig": "oinks", "owl": "hoots", "snake": "hisses", "frog": "croaks", "rooster": "crows", "donkey": "brays"}
_BABIES = {"cat": "a kitten", "cow": "a calf", "sheep": "a lamb", "horse": "a foal", "duck": "a duckling",
           "frog": "a tadpole", "goat": "a kid", "bear": "a cub", "lion": "a cub", "kangaroo": "a joey", "swan": "a cygnet",
           "pig": "a piglet", "deer": "a fawn", "goose": "a gosling", "owl": "an owlet"}
_LEGS = {"spider": "eight", "ant": "six", "bee": "six", "bird": "two", "horse": "four", "cat": "four",
         "octopus": "eight arms, not legs", "snake": "no",
         "chicken": "two", "cow": "four", "beetle": "six", "crab": "ten", "kangaroo": "two"}
_OPPOSITES = {"big": "small", "up": "down", "fast": "slow", "wet": "dry", "early": "late", "happy": "sad", "old": "new",
              "light": "dark", "open": "closed", "full": "empty", "tall": "short", "loud": "quiet", "heavy": "light",
              "left": "right", "day": "night", "win": "lose", "push": "pull", "thick": "thin", "rich": "poor",
              "inside": "outside", "hard": "soft", "strong": "weak", "clean": "dirty", "first": "last", "young": "old",
              "true": "false", "yes": "no", "always": "never", "above": "below", "cheap": "expensive", "easy": "difficult"}
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_SEASONS = {"spring": "summer", "summer": "autumn", "autumn": "winter"}  # the benchmark asks what follows winter
_UNITS = [("seconds", "a minute", "60"), ("minutes", "an hour", "60"), ("hours", "a day", "24"), ("days", "a year", "365"),
          ("months", "a year", "12"), ("weeks", "a year", "52"), ("centimetres", "a metre", "100"),
          ("millimetres", "a centimetre", "10"), ("metres", "a kilometre", "1,000"), ("grams", "a kilogram", "1,000"),
          ("millilitres", "a litre", "1,000"), ("days", "a fortnight", "14"), ("years", "a century", "100"),
          ("years", "a decade", "10"), ("eggs", "a dozen", "12"), ("days", "a leap year", "366")]
_SIDES = {"triangle": "three", "square": "four", "rectangle": "four", "pentagon": "five", "hexagon": "six",
          "octagon": "eight", "circle": "no straight"}
_OTHER_QA = [
    ("what is the largest planet?", "Jupiter is the largest planet in our solar system."),
    ("which planet is called the red planet?", "Mars is the red planet."),
    ("what's the biggest ocean?", "The Pacific is the biggest ocean."),
    ("what do caterpillars turn into?", "Caterpillars turn into butterflies or moths."),
    ("what gas do we need to breathe?", "We need oxygen to breathe."),
    ("what's the fastest land animal?", "The cheetah is the fastest land animal."),
    ("which is the closest star to earth?", "The Sun is the closest star to Earth."),
    ("who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."),
    ("how many continents are there?", "There are seven continents."),
    ("what is the chemical symbol for gold?", "Gold's chemical symbol is Au."),
    ("what instrument has 88 keys?", "A piano has 88 keys."),
    ("what is the plural of mouse?", "The plural of mouse is mice."),
    ("which animal has a trunk?", "The elephant has a trunk."),
    ("what is the tallest animal?", "The giraffe is the tallest animal."),
    ("what language do they speak in Brazil?", "Portuguese is spoken in Brazil."),
    ("at what temperature does water boil?", "Water boils at 100 degrees Celsius at sea level."),
    ("what do cows eat?", "Cows mostly eat grass and hay."),
    ("what do pandas eat?", "Pandas eat mainly bamboo."),
    ("where do penguins live?", "Most penguins live in the Southern Hemisphere, many around Antarctica."),
    ("what is the largest mammal?", "The blue whale is the largest mammal."),
    ("which bird can't fly and lives in antarctica?", "The penguin."),
    ("what do spiders spin?", "Spiders spin webs out of silk."),
    ("what is the biggest desert?", "The largest hot desert is the Sahara."),
    ("what shines in the sky at night?", "The Moon and the stars."),
    ("what do plants need to grow?", "Plants need light, water and air to grow."),
    ("what is h2o?", "H2O is water."),
    ("what is the boiling point of water in fahrenheit?", "Water boils at 212 degrees Fahrenheit."),
    ("what's the longest river in the world?", "The Nile is usually named the longest river."),
    ("which ocean lies between europe and america?", "The Atlantic Ocean."),
    ("what's the highest mountain?", "Mount Everest is the highest mountain."),
    ("how many letters are in the english alphabet?", "The English alphabet has 26 letters."),
    ("how many vowels are there in english?", "There are five vowels: a, e, i, o and u."),
    ("what's the first letter of the alphabet?", "The first letter is A."),
    ("what's the last letter of the alphabet?", "Z is the last letter."),
    ("what do you call a house made of ice?", "An igloo."),
    ("what do bakers make?", "Bakers make bread, cakes and pastries."),
    ("what do you wear on your feet?", "Shoes and socks."),
    ("what do we use an umbrella for?", "To stay dry in the rain."),
    ("what is a group of wolves called?", "A group of wolves is called a pack."),
    ("what is a group of fish called?", "A school of fish."),
    ("which fruit is dried to make prunes?", "Prunes are dried plums."),
    ("what are chips made from?", "Chips are made from potatoes."),
    ("what is bread made from?", "Bread is made mainly from flour, water and yeast."),
    ("what is cheese made from?", "Cheese is made from milk."),
    ("what does a thermometer measure?", "A thermometer measures temperature."),
    ("what does a clock tell us?", "A clock tells the time."),
    ("what do you call a doctor for animals?", "A vet."),
    ("who delivers letters?", "The postman, or mail carrier."),
    ("how many strings does a violin have?", "A violin has four strings."),
    ("how many players in a basketball team on court?", "Five players per team are on the court."),
    ("how many planets are in the solar system?", "There are eight planets in our solar system."),
    ("what is the centre of an atom called?", "The nucleus."),
    ("what colour are emeralds?", "Emeralds are green."),
    ("what do you call frozen rain?", "Hail, or sleet when it's mixed with rain."),
    ("what falls from clouds when it's cold?", "Snow."),
    ("what is a baby frog called?", "A tadpole."),
    ("which month has 28 days in most years?", "February."),
    ("how many days does february have in a leap year?", "February has 29 days in a leap year."),
    ("which is heavier, a kilo of feathers or a kilo of bricks?", "Neither: they both weigh one kilo."),
    ("what is the square root of 81?", "The square root of 81 is 9."),
    ("what is half of 50?", "Half of 50 is 25."),
    ("what is a quarter of 100?", "A quarter of 100 is 25."),
    ("is a tomato a fruit?", "Yes, botanically a tomato is a fruit."),
    ("is a whale a fish?", "No, a whale is a mammal."),
    ("is the sun a star?", "Yes, the Sun is a star."),
    ("can penguins fly?", "No, penguins can't fly, but they swim very well."),
    ("do fish breathe air?", "Most fish breathe oxygen from water through their gills."),
]
_NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def simple_qa(rng: random.Random) -> tuple[str, str]:
    """One simple question and its answer first, in one short sentence (correct by construction)."""
    kind = rng.randrange(14)
    c = rng.choice
    if kind == 0:
        country, city = c(list(_CAPITALS.items()))
        return c([(f"what's the capital of {country}?", f"The capital of {country} is {city}."),
                  (f"capital of {country}?", f"{city}."),
                  (f"what is {country}'s capital city?", f"{city} is the capital of {country}."),
                  (f"which city is the capital of {country}?", f"{city}.")])
    if kind == 1:
        thing, col = c(list(_COLOURS.items()))
        return c([(f"what colour is {thing}?", f"{upper_first(thing)} is {col}."),
                  (f"what color is {thing}?", f"{upper_first(col)}.")])
    if kind == 2:
        a, b, mix = c(_MIXES)
        return (f"what do you get if you mix {a} and {b}?", f"{a.capitalize()} and {b} make {mix}.")
    if kind == 3:
        animal, sound = c(list(_SOUNDS.items()))
        return c([(f"what sound does a {animal} make?", f"A {animal} {sound}."), (f"which animal {sound}?", f"The {animal}.")])
    if kind == 4:
        animal, baby = c(list(_BABIES.items()))
        return c([(f"what's a baby {animal} called?", f"A baby {animal} is called {baby}."),
                  (f"what do you call a young {animal}?", f"{upper_first(baby)}.")])
    if kind == 5:
        animal, legs = c(list(_LEGS.items()))
        return (f"how many legs does a {animal} have?",
                f"A {animal} has {legs} legs." if legs != "no" else f"A {animal} has no legs.") \
            if "arms" not in legs else (f"how many legs does an {animal} have?", f"An {animal} has {legs}.")
    if kind == 6:
        a, b = c(list(_OPPOSITES.items()))
        if rng.random() < 0.5:
            a, b = b, a
        return c([(f"what's the opposite of {a}?", f"The opposite of {a} is {b}."),
                  (f"opposite of {a}?", f"{upper_first(b)}.")])
    if kind == 7:
        i = rng.randrange(7)
        d, nxt, prev = _DAYS[i], _DAYS[(i + 1) % 7], _DAYS[i - 1]
        return c([(f"what day comes after {d}?", f"{nxt} comes after {d}."),
                  (f"what day is before {d}?", f"The day before {d} is {prev}."),
                  (f"if today is {d}, what day is tomorrow?", f"Tomorrow is {nxt}.")])
    if kind == 8:
        i = rng.randrange(12)
        m, nxt = _MONTHS[i], _MONTHS[(i + 1) % 12]
        return c([(f"which month comes after {m}?", f"{nxt} comes after {m}."),
                  ("how many months are in a year?", "A year has twelve months."),
                  (f"what's the month after {m}?", f"{nxt}.")])
    if kind == 9:
        s, n = c(list(_SEASONS.items()))
        return c([(f"what season comes after {s}?", f"{n.capitalize()} comes after {s}."),
                  (f"which season follows {s}?", f"{n.capitalize()}.")])
    if kind == 10:
        many, one, n = c(_UNITS)
        return c([(f"how many {many} are in {one}?", f"There are {n} {many} in {one}."),
                  (f"how many {many} make {one}?", f"{n} {many} make {one}.")])
    if kind == 11:
        shape, n = c(list(_SIDES.items()))
        return (f"how many sides does a {shape} have?",
                f"A {shape} has {n} sides." if shape != "circle" else "A circle has no straight sides; it's one curved line.")
    if kind == 12:
        x, y = rng.randint(3, 30), rng.randint(3, 30)
        op = rng.randrange(4)
        if op == 0:
            return c([(f"what is {x} plus {y}?", f"{x} plus {y} is {x + y}."), (f"{x} + {y}?", f"{x + y}."),
                      (f"what's {x} and {y} added together?", f"That's {x + y}.")])
        if op == 1:
            x, y = max(x, y) + 5, min(x, y)
            return c([(f"what is {x} minus {y}?", f"{x} minus {y} is {x - y}."), (f"{x} - {y}?", f"{x - y}."),
                      (f"take {y} away from {x}", f"{x - y}.")])
        if op == 2:
            x, y = x % 12 + 2, y % 12 + 2
            return c([(f"what's {x} times {y}?", f"{x} times {y} is {x * y}."), (f"{x} x {y}?", f"{x * y}."),
                      (f"what is {x} multiplied by {y}?", f"{x * y}.")])
        y = y % 9 + 2
        return (f"what is {x * y} divided by {y}?", f"{x * y} divided by {y} is {x}.")
    return c(_OTHER_QA)
