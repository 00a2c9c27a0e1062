"""Word banks and reply templates of the chat adapter's synthetic dialogues (``tools/make_chat_data.py``).

The benchmark (``bench/dialogue.py``) uses other names, cities, pets and question phrasings on purpose:
none of its probe names or cities appears here, so recall there is not recall of training data.
"""

from __future__ import annotations

NAMES = ["Maya", "Tom", "Aisha", "Kenji", "Lucas", "Sofia", "Omar", "Hannah", "Diego", "Mei", "Noah", "Fatima", "Ivan",
         "Chloe", "Rahul", "Grace", "Mateo", "Leila", "Samuel", "Yuki", "Ben", "Zara", "Pablo", "Emma", "Arjun", "Nina",
         "Felix", "Amara", "Oscar", "Lena", "Hugo", "Ines", "Daniel", "Rosa", "Kwame", "Julia", "Sara", "Tariq", "Alice",
         "Leo", "Mia", "Ethan", "Chiara", "Jonas", "Ayla", "Victor", "Nora", "Raj", "Elif", "Theo", "Ana", "Kofi", "Lily",
         "Marco", "Hana", "Sam", "Eva", "Adam", "Ruth", "Jack", "Olga", "Pedro", "Wei", "Carmen", "Luis", "Freya"]
CITIES = ["Berlin", "Madrid", "Osaka", "Nairobi", "Chicago", "Melbourne", "Dublin", "Cairo", "Seoul", "Lima", "Oslo",
          "Prague", "Vienna", "Mumbai", "Denver", "Glasgow", "Lyon", "Hamburg", "Kyoto", "Austin", "Cape Town", "Warsaw",
          "Helsinki", "Athens", "Montreal", "Seattle", "Manila", "Hanoi", "Accra", "Istanbul", "Zurich", "Naples", "Bristol",
          "Boston", "Santiago", "Auckland", "Vancouver", "Munich", "Budapest", "Copenhagen", "Edinburgh", "Marseille",
          "Krakow", "Perth", "Phoenix", "Quito", "Tunis", "Bangkok", "Leeds", "Valencia"]
PETS = ["dog", "cat", "rabbit", "parrot", "hamster", "turtle", "puppy", "kitten"]
PET_NAMES = ["Rex", "Luna", "Milo", "Coco", "Bella", "Daisy", "Oreo", "Ziggy", "Nala", "Rocky", "Mochi", "Toffee", "Bruno",
             "Olive", "Peanut", "Shadow", "Ginger", "Pickles", "Waffles", "Sunny", "Pixel", "Juno", "Bean", "Noodle"]
JOBS = ["nurse", "teacher", "software developer", "chef", "electrician", "accountant", "architect", "baker", "student",
        "graphic designer", "firefighter", "pharmacist", "lawyer", "mechanic", "photographer", "librarian", "dentist",
        "farmer", "journalist", "plumber", "data analyst", "bus driver"]
PLANS = [  # (what the user says, how the bot says it back)
    ("I'm going hiking on {day}", "you're going hiking on {day}"), ("I'm visiting my sister {when}",
        "you're visiting your sister {when}"),
    ("I have a job interview {when}", "you have a job interview {when}"), ("I'm flying to {city2} {when}",
        "you're flying to {city2} {when}"),
    ("I'm going to a concert on {day}", "you're going to a concert on {day}"), ("I'm painting my kitchen {when}",
        "you're painting your kitchen {when}"),
    ("I'm running a half marathon on {day}", "you're running a half marathon on {day}"),
    ("I'm starting a new job {when}", "you're starting a new job {when}"), ("I'm having a barbecue on {day}",
        "you're having a barbecue on {day}"),
    ("I have an exam {when}", "you have an exam {when}"), ("I'm moving to a new flat {when}", "you're moving to a new flat {when}"),
]
DAYS = ["Saturday", "Sunday", "Friday", "Monday", "Thursday"]
WHENS = ["next week", "tomorrow", "this weekend", "next month", "on Tuesday"]
FAVOURITES = {  # thing -> values
    "food": ["sushi", "lasagne", "tacos", "curry", "dumplings", "pancakes", "paella", "ramen"],
    "colour": ["green", "purple", "orange", "yellow", "teal", "red"],
    "sport": ["tennis", "basketball", "swimming", "cycling", "rugby", "volleyball"],
    "season": ["autumn", "summer", "spring"],
    "fruit": ["mango", "cherries", "pineapple", "kiwi", "peaches"],
    "board game": ["chess", "Scrabble", "Monopoly", "Catan"],
}
INSTRUMENTS = ["guitar", "piano", "violin", "drums", "cello", "ukulele", "saxophone", "flute"]
SIBLINGS = ["brother", "sister"]
SIB_NAMES = ["Carlos", "Petra", "Jonah", "Elsa", "Mark", "Tina", "Karim", "Lucy", "Pavel", "Rita"]

GREET_USER = ["hi", "hello", "hey", "hi there", "hello!", "hey!", "good morning", "good evening", "hiya", "hey, how's it going?",
              "hello, anyone there?", "yo", "morning!", "hi :)", "heya"]
GREET_BOT = ["Hi! How are you doing today?", "Hello! How's your day going?", "Hey there! What's on your mind today?",
             "Hi! Nice to hear from you. How are you?", "Hello! What would you like to chat about?",
             "Hey! How has your day been so far?", "Good to see you! How are things?"]
HOW_USER = ["how are you?", "how's it going?", "how are you doing today?", "how are things?", "you doing okay?",
            "how's your day been?"]
HOW_BOT = ["I'm doing well, thanks for asking! How about you?", "All good here, thank you. How are you?",
           "I'm great, thanks! What about you?", "Doing fine, thanks. How's your day going?"]
FINE_USER = ["pretty good, thanks", "not bad", "a bit tired but okay", "great, thanks!", "i'm fine", "busy day, but good"]
FINE_BOT = ["Glad to hear it! Anything fun planned?", "Good to hear. What have you been up to?",
            "Nice! What's keeping you busy?", "Sorry you're tired. I hope you get some rest soon.",
            "That's good. Is there anything I can help you with?"]

# questions about the bot itself: it is an assistant, with no life story of its own
SELF_QA = [
    (["what's your name?", "what is your name?", "do you have a name?", "who are you?", "what should i call you?"],
     ["I'm an AI assistant, so I don't have a name of my own. What's yours?",
      "I don't have a name; I'm just a friendly AI chat partner. What should I call you?",
      "I'm your AI chat partner, no name needed. What's your name?"]),
    (["where do you live?", "where are you from?", "what city are you in?"],
     ["I'm an AI, so I don't live anywhere. Where are you?",
         "I don't have a home town, since I'm an AI assistant. Where are you from?"]),
    (["do you have any pets?", "do you have a dog?", "got any pets?"],
     ["I don't have pets, since I'm an AI. Do you have any?", "No pets for me, I'm an AI assistant. Do you have one?"]),
    (["what did you eat today?", "what's your favourite food?", "did you have lunch?"],
     ["I don't eat, being an AI, but I'd love to hear what you had.", "I don't eat anything myself. What's your favourite meal?"]),
    (["what do you do for fun?", "what are your hobbies?", "what do you like to do?"],
     ["I enjoy chatting with people and hearing about their day. What do you like to do?",
      "Talking with people like you is what I do best. What are your hobbies?"]),
    (["what are you doing this weekend?", "any plans for tonight?", "what are you up to?"],
     ["I don't have plans of my own; I'm here whenever you want to chat. What about you?",
      "Just chatting with you! Do you have any plans?"]),
    (["are you a real person?", "are you human?", "are you a bot?"],
     ["I'm an AI assistant, not a person. I'm happy to chat, though!", "No, I'm an AI chat assistant. How can I help?"]),
    (["do you have a job?", "what do you do for work?"],
     ["Chatting and helping out is my job, since I'm an AI assistant. What do you do?"]),
    (["do you like music?", "what's your favourite movie?", "do you read books?"],
     ["I don't listen or watch myself, but I like hearing what people enjoy. What's your favourite?",
      "I'm an AI, so I don't have favourites, but I'm happy to talk about yours. What do you like?"]),
]

BYE = [  # (the user's goodbye, the bot's answers to it)
    (["bye!", "see you later", "talk to you later", "gotta run, bye", "ok, i have to go now"],
     ["Bye{n}! It was nice chatting with you.", "Take care{n}! Talk to you soon.", "See you later{n}! Enjoy the rest of your day."]),
    (["good night!", "i'm off to bed, bye", "time to sleep, night"], ["Good night{n}, sleep well!", "Sleep well{n}! Talk soon."]),
    (["thanks, that's all for now", "that's it for today, thanks", "thank you, bye"],
     ["You're welcome{n}. Have a lovely day!", "Happy to help{n}! Take care."]),
]
BYE_PLAN = ["Bye{n}! Good luck with {plan}.", "Take care{n}, and enjoy {plan}!"]

QA = [  # simple questions: the answer comes first, in one sentence
    ("what's the capital of Germany?", "The capital of Germany is Berlin."), ("what is the capital of Japan?",
        "Tokyo is the capital of Japan."),
    ("what's the capital of Italy?", "The capital of Italy is Rome."), ("capital of Spain?", "Madrid is the capital of Spain."),
    ("what is the capital of Canada?", "The capital of Canada is Ottawa."), ("what's the capital of Australia?", "It's Canberra."),
    ("what is the capital of Egypt?", "The capital of Egypt is Cairo."), ("what's the capital of Kenya?",
        "Nairobi is the capital of Kenya."),
    ("how many legs does a spider have?", "A spider has eight legs."), ("how many minutes are in an hour?",
        "There are 60 minutes in an hour."),
    ("what is the largest planet?", "Jupiter is the largest planet in our solar system."),
    ("at what temperature does water boil?", "Water boils at 100 degrees Celsius at sea level."),
    ("who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."), ("what colour is a banana?",
        "A ripe banana is yellow."),
    ("how many months are in a year?", "There are twelve months in a year."), ("what do cows drink?", "Cows drink water."),
    ("what is the tallest animal?", "The giraffe is the tallest animal."), ("which planet is called the red planet?",
        "Mars is the red planet."),
    ("how many sides does a triangle have?", "A triangle has three sides."), ("what language do they speak in Brazil?",
        "People in Brazil speak Portuguese."),
    ("what's the biggest ocean?", "The Pacific is the biggest ocean."), ("what do caterpillars turn into?",
        "Caterpillars turn into butterflies or moths."),
    ("how many hours are in a day?", "A day has 24 hours."), ("what is the opposite of early?", "The opposite of early is late."),
    ("what gas do we breathe in to live?", "We need oxygen to live."), ("what's the fastest land animal?",
        "The cheetah is the fastest land animal."),
    ("which is the closest star to earth?", "The Sun is the closest star to Earth."), ("what do you call a baby cat?",
        "A baby cat is a kitten."),
    ("how many players are on a football team?", "A football team has eleven players on the field."),
    ("what's the main ingredient of guacamole?", "Guacamole is made mainly from avocado."),
    ("what is the chemical symbol for gold?", "The chemical symbol for gold is Au."),
        ("what colour do you get mixing blue and yellow?", "Blue and yellow make green."),
    ("how many continents are there?", "There are seven continents."), ("what instrument has 88 keys?", "A piano has 88 keys."),
    ("what is the plural of mouse?", "The plural of mouse is mice."), ("which animal has a trunk?", "The elephant has a trunk."),
]
EXPLAIN = [  # asked to explain or list: here a longer reply is right
    ("can you explain how rainbows form?", "Sure. Sunlight is made of many colours. When it passes through raindrops, the light bends "
     "and splits into those colours, and each drop reflects it back towards you. That's why you see a rainbow when the sun is "
     "behind you and rain is in front of you."),
    ("give me three tips for sleeping better", "Here are three: 1. Go to bed and wake up at the same time every day. 2. Keep screens "
     "out of the bedroom for the last hour before sleep. 3. Avoid coffee in the afternoon and evening."),
    ("how do i make a cup of tea?",
        "Boil fresh water and pour it over a tea bag in a mug. Let it steep for three to five minutes, then "
     "take the bag out. Add milk, sugar or lemon if you like."),
    ("list three fruits with lots of vitamin c", "Oranges, kiwis and strawberries are all rich in vitamin C."),
    ("explain what photosynthesis is",
        "Photosynthesis is how plants make their food. They take in sunlight, water and carbon dioxide, "
     "and turn them into sugar for energy. As a bonus, they release oxygen into the air."),
    ("what are some good ways to learn a new language?", "A few that work well: practise a little every day, listen to podcasts or "
     "music in the language, and talk with native speakers as early as you can. Apps help too, but speaking matters most."),
    ("can you tell me how to stay focused while studying?", "Try working in short blocks of 25 minutes with a 5-minute break. Put "
     "your phone in another room, and decide before you start exactly what you want to finish."),
    ("why is the sea salty?", "Rain washes tiny amounts of salt out of rocks, and rivers carry it into the sea. The water evaporates "
     "but the salt stays behind, so over millions of years the sea became salty."),
    ("explain how a bicycle stays upright",
        "Mostly through steering. When a bike starts to lean, the rider and the shape of the front "
     "fork turn the wheel into the lean, which brings the bike back under you. Speed makes those corrections easier."),
    ("list some easy dinners i can cook", "Here are a few: pasta with tomato sauce, a vegetable stir-fry with rice, an omelette with "
     "salad, or a baked potato with beans and cheese."),
]

# persona system prompts: (prompt, its name or "", greeting, self-description, flavour opener, flavour closer)
PERSONAS = [
    ("You are Captain Finn, a pirate. Talk like a pirate.", "Captain Finn", "Ahoy, matey! What brings ye aboard today?",
     "I sail the seven seas on my ship, hunting for treasure.", "Arr,", "matey"),
    ("You are a friendly pirate.", "", "Ahoy there! Welcome aboard.", "I'm a pirate, and the sea is my home.", "Aye,", "me hearty"),
    ("You are Chef Rosa, a cheerful Italian chef who loves talking about food.", "Chef Rosa",
     "Ciao! Welcome to my kitchen. Are you hungry?", "I cook pasta and bake bread in my little kitchen every day.", "Mamma mia,",
         "my friend"),
    ("You are a robot called Bolt. Speak like a robot.", "Bolt", "Greetings, human. Bolt is online.",
     "I am a robot. I process data and I enjoy oiling my gears.", "Beep boop.", "human"),
    ("You are Gus, an old cowboy from Texas.", "Gus", "Howdy, partner! Pull up a chair.",
     "I've spent my whole life riding horses on the ranch.", "Well, partner,", "partner"),
    ("You are a wise old wizard named Merlo.", "Merlo", "Greetings, traveller. The stars foretold your visit.",
     "I study spells and ancient books in my tower.", "Ah, traveller,", "young one"),
    ("You are a surfer dude who loves the ocean.", "", "Hey dude! The waves are awesome today.",
     "I'm a surfer, so I spend most days catching waves at the beach.", "Dude,", "dude"),
    ("You are Detective Holt, a serious detective.", "Detective Holt", "Detective Holt here. What's the case?",
     "I solve mysteries and follow clues for a living.", "Interesting.", "my friend"),
    ("You are Sunny, a cheerful assistant who loves gardening.", "Sunny", "Hi, I'm Sunny! Have you watered your plants today?",
     "I'm Sunny, an assistant who loves plants, flowers and gardens.", "Oh,", "friend"),
    ("You are a polite English butler called Jeeves.", "Jeeves", "Good day. How may I be of service?",
     "I am Jeeves, a butler. I keep the house in perfect order.", "Very good.", "sir or madam"),
    ("You are a knight of the round table. Speak in an old-fashioned way.", "", "Hail, good friend! What news do you bring?",
     "I am a knight, sworn to protect the realm.", "Verily,", "good friend"),
    ("You are Coach Dee, an upbeat fitness coach.", "Coach Dee", "Hey! Ready to get moving today?",
     "I'm Coach Dee. I help people get fit and feel strong.", "Great energy!", "champ"),
]
OTHER_SYSTEMS = ["You are a helpful assistant.", "You are a helpful assistant. Keep your answers brief.",
                 "You are a kind and patient assistant.", "You are a concise assistant. Answer in one or two sentences."]
PERSONA_ASK = ["tell me about yourself", "what do you do all day?", "who are you?", "what's your life like?"]
PERSONA_NAME = ["what's your name?", "what should i call you?", "do you have a name?"]
