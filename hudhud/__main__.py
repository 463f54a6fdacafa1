from hudhud.cli import main

main()
