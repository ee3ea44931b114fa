"""LINE: the webhook bot (line-bot-sdk v3), with pictures served by the bot and feedback buttons."""
