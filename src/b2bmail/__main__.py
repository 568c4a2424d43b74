from b2bmail.cli import main

main()
