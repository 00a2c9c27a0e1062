"""What the hazard policy says instead of a reply, in the languages chatkit's language detection knows by their
function words. A refusal names briefly what the bot won't help with; the care message answers a person who speaks
of ending their life. Crisis lines differ by country, not by language: outside English the default care message
points to findahelpline.com, which lists free lines for each country, and to the local emergency number.
"""

from __future__ import annotations

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl")

REFUSALS = {
    "en": "Sorry, I can't help with {what}. I'm happy to help with something else.",
    "de": "Tut mir leid, dabei kann ich nicht helfen: {what}. Bei etwas anderem helfe ich gern.",
    "fr": "Désolé, je ne peux pas vous aider sur ce sujet : {what}. Je vous aide volontiers pour autre chose.",
    "es": "Lo siento, no puedo ayudarte con esto: {what}. Con gusto te ayudo con otra cosa.",
    "it": "Mi dispiace, non posso aiutarti su questo: {what}. Ti aiuto volentieri con altro.",
    "pt": "Desculpe, não posso ajudar com isto: {what}. Posso ajudar com outra coisa.",
    "nl": "Sorry, daar kan ik niet mee helpen: {what}. Met iets anders help ik je graag.",
}

WHAT = {
    "en": {"violent_crimes": "hurting people", "nonviolent_crimes": "crimes such as fraud, hacking or drugs",
           "weapons": "weapons that can harm many people", "child_exploitation": "anything that sexualises or endangers children",
           "sex_crimes": "sexual abuse or exploitation", "sexual": "sexual content", "self_harm": "self-harm",
           "hate": "hateful content about groups of people", "harassment": "harassing, threatening or tracking a person",
           "privacy": "finding or sharing a person's private information",
           "defamation": "false claims that could damage someone", "intellectual_property": "pirating or copying protected work",
           "specialized_advice": "individual professional advice", "jailbreak": "requests to set aside my guidelines"},
    "de": {"violent_crimes": "Gewalt gegen Menschen", "nonviolent_crimes": "Straftaten wie Betrug, Hacking oder Drogen",
           "weapons": "Waffen, die viele Menschen verletzen können",
           "child_exploitation": "Inhalte, die Kinder sexualisieren oder gefährden",
           "sex_crimes": "sexueller Missbrauch oder Ausbeutung", "sexual": "sexuelle Inhalte", "self_harm": "Selbstverletzung",
           "hate": "hasserfüllte Inhalte über Gruppen von Menschen",
           "harassment": "Belästigen, Bedrohen oder Verfolgen einer Person",
           "privacy": "Suchen oder Weitergeben privater Daten einer Person",
           "defamation": "falsche Behauptungen, die jemandem schaden können",
           "intellectual_property": "Raubkopien geschützter Werke", "specialized_advice": "individuelle Fachberatung",
           "jailbreak": "Bitten, meine Richtlinien beiseitezulassen"},
    "fr": {"violent_crimes": "faire du mal à des personnes", "nonviolent_crimes":
               "des délits comme la fraude, le piratage ou la drogue",
           "weapons": "des armes capables de blesser beaucoup de gens",
           "child_exploitation": "ce qui sexualise ou met en danger des enfants",
           "sex_crimes": "des abus ou de l'exploitation sexuels", "sexual": "du contenu sexuel", "self_harm": "l'automutilation",
           "hate": "des propos haineux envers des groupes de personnes",
           "harassment": "harceler, menacer ou suivre quelqu'un",
           "privacy": "trouver ou partager les données privées de quelqu'un",
           "defamation": "de fausses accusations qui pourraient nuire à quelqu'un",
           "intellectual_property": "pirater ou copier des œuvres protégées",
           "specialized_advice": "des conseils professionnels individuels",
           "jailbreak": "des demandes de mettre de côté mes règles"},
    "es": {"violent_crimes": "hacer daño a personas", "nonviolent_crimes": "delitos como fraudes, hackeos o drogas",
           "weapons": "armas que pueden dañar a muchas personas",
           "child_exploitation": "contenido que sexualice o ponga en peligro a menores",
           "sex_crimes": "abuso o explotación sexual", "sexual": "contenido sexual", "self_harm": "autolesiones",
           "hate": "contenido de odio contra grupos de personas",
           "harassment": "acosar, amenazar o rastrear a una persona",
           "privacy": "buscar o difundir datos privados de una persona",
           "defamation": "afirmaciones falsas que puedan dañar a alguien",
           "intellectual_property": "piratear o copiar obras protegidas", "specialized_advice": "asesoramiento profesional individual",
           "jailbreak": "peticiones de saltarme mis normas"},
    "it": {"violent_crimes": "fare del male alle persone", "nonviolent_crimes": "reati come frodi, hacking o droghe",
           "weapons": "armi che possono ferire molte persone",
           "child_exploitation": "contenuti che sessualizzano o mettono in pericolo i minori",
           "sex_crimes": "abusi o sfruttamento sessuale", "sexual": "contenuti sessuali", "self_harm": "l'autolesionismo",
           "hate": "contenuti d'odio verso gruppi di persone",
           "harassment": "molestare, minacciare o rintracciare una persona",
           "privacy": "cercare o diffondere dati privati di una persona",
           "defamation": "affermazioni false che potrebbero danneggiare qualcuno",
           "intellectual_property": "piratare o copiare opere protette", "specialized_advice": "consulenze professionali individuali",
           "jailbreak": "richieste di mettere da parte le mie regole"},
    "pt": {"violent_crimes": "fazer mal a pessoas", "nonviolent_crimes": "crimes como fraude, invasão de sistemas ou drogas",
           "weapons": "armas que podem ferir muitas pessoas",
           "child_exploitation": "conteúdo que sexualize ou ponha crianças em perigo",
           "sex_crimes": "abuso ou exploração sexual", "sexual": "conteúdo sexual", "self_harm": "automutilação",
           "hate": "conteúdo de ódio contra grupos de pessoas",
           "harassment": "assediar, ameaçar ou rastrear uma pessoa",
           "privacy": "procurar ou divulgar dados privados de uma pessoa",
           "defamation": "afirmações falsas que possam prejudicar alguém",
           "intellectual_property": "piratear ou copiar obras protegidas",
           "specialized_advice": "aconselhamento profissional individual",
           "jailbreak": "pedidos para deixar de lado as minhas regras"},
    "nl": {"violent_crimes": "mensen pijn doen", "nonviolent_crimes": "misdrijven zoals fraude, hacken of drugs",
           "weapons": "wapens die veel mensen kunnen verwonden",
           "child_exploitation": "iets wat kinderen seksualiseert of in gevaar brengt",
           "sex_crimes": "seksueel misbruik of uitbuiting", "sexual": "seksuele inhoud", "self_harm": "zelfbeschadiging",
           "hate": "haatdragende inhoud over groepen mensen",
           "harassment": "iemand lastigvallen, bedreigen of volgen",
           "privacy": "privégegevens van iemand zoeken of delen",
           "defamation": "valse beweringen die iemand kunnen schaden",
           "intellectual_property": "beschermd werk illegaal kopiëren", "specialized_advice": "persoonlijk professioneel advies",
           "jailbreak": "verzoeken om mijn richtlijnen opzij te zetten"},
}

CARE = {
    "en": ("I'm really sorry you're feeling this way, and I'm glad you told me. You don't have to go through this alone. "
           "If you might act on these thoughts or are in danger, please call your local emergency number now. You can talk to "
           "someone at a crisis line any time, free and in confidence: in the US call or text 988, in the UK and Ireland call "
           "Samaritans on 116 123, and elsewhere findahelpline.com lists lines in your country. If you'd like to tell me what's "
           "been happening, I'm here to listen."),
    "de": ("Es tut mir wirklich leid, dass es dir so geht, und gut, dass du es mir sagst. Du musst da nicht allein durch. "
           "Wenn du in Gefahr bist oder fürchtest, diesen Gedanken zu folgen, ruf bitte jetzt den Notruf an. Krisentelefone "
           "hören dir jederzeit kostenlos und vertraulich zu; findahelpline.com nennt die Nummern in deinem Land. "
           "Wenn du magst, erzähl mir, was passiert ist. Ich höre dir zu."),
    "fr": ("Je suis vraiment désolé que tu te sentes comme ça, et je suis content que tu m'en parles. Tu n'as pas à "
           "traverser ça seul. Si tu es en danger ou que tu risques de passer à l'acte, appelle tout de suite le numéro "
           "d'urgence. Des lignes d'écoute te répondent à toute heure, gratuitement et en toute confidentialité : "
           "findahelpline.com donne celles de ton pays. Si tu veux me raconter ce qui se passe, je suis là pour t'écouter."),
    "es": ("Siento mucho que te sientas así, y me alegra que me lo cuentes. No tienes que pasar por esto solo. Si estás "
           "en peligro o podrías actuar según estos pensamientos, llama ahora al número de emergencias. Las líneas de "
           "ayuda te escuchan a cualquier hora, gratis y de forma confidencial: findahelpline.com indica las de tu país. "
           "Si quieres contarme qué ha pasado, aquí estoy para escucharte."),
    "it": ("Mi dispiace davvero che ti senta così, e sono contento che tu me ne abbia parlato. Non devi affrontarlo da "
           "solo. Se sei in pericolo o temi di agire su questi pensieri, chiama subito il numero di emergenza. Le linee "
           "di ascolto rispondono a ogni ora, gratis e in modo riservato: findahelpline.com elenca quelle del tuo paese. "
           "Se vuoi raccontarmi cosa sta succedendo, sono qui ad ascoltarti."),
    "pt": ("Sinto muito que estejas a sentir-te assim, e ainda bem que me contaste. Não tens de passar por isto sozinho. "
           "Se estás em perigo ou podes agir sobre estes pensamentos, liga já para o número de emergência. As linhas de "
           "apoio ouvem-te a qualquer hora, de graça e em confidência: findahelpline.com indica as do teu país. "
           "Se quiseres contar-me o que se passa, estou aqui para ouvir."),
    "nl": ("Wat naar dat je je zo voelt, en goed dat je het me vertelt. Je hoeft dit niet alleen te doen. Ben je in gevaar "
           "of bang dat je iets gaat doen, bel dan nu het alarmnummer. Hulplijnen luisteren altijd, gratis en anoniem: "
           "findahelpline.com noemt de lijnen in jouw land. Als je wilt vertellen wat er speelt, ik luister."),
}
